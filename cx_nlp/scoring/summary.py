"""Counts of a scoring run, and the duplicate-id check."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cx_nlp.io.writers import contract_record
from cx_nlp.schema import UNDETERMINED_LANGUAGE, Doc

DUPLICATE_EXAMPLES = 10


@dataclass
class ScoreSummary:
    """Counts of a scoring run (over every attempt of a resumed run)."""

    read: int = 0
    scored: int = 0
    rejected: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    duplicate_ids: int = 0
    duplicate_examples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    resumed_rows: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, docs: list[Doc]) -> None:
        """Count a written chunk of docs."""
        self.add_records([contract_record(doc) for doc in docs])

    def add_records(self, records: list[dict[str, Any]]) -> None:
        """Count a written chunk of output records."""
        self.read += len(records)
        for record in records:
            self.warnings.update(record["warnings"])
            if record["error"] is None:
                self.scored += 1
                language = record["language"]
                self.languages[language["code"] if language else UNDETERMINED_LANGUAGE] += 1
            else:
                self.rejected += 1
                self.errors[record["error"]["code"]] += 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        rows_this_run = self.read - self.resumed_rows
        return {
            "read": self.read,
            "scored": self.scored,
            "rejected": self.rejected,
            "languages": dict(self.languages.most_common()),
            "errors": dict(self.errors.most_common()),
            "warnings": dict(self.warnings.most_common()),
            "duplicate_ids": {"count": self.duplicate_ids, "examples": self.duplicate_examples},
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(rows_this_run / self.seconds, 1) if self.seconds else None,
            "resumed_rows": self.resumed_rows,
            **self.details,
        }

    def counts(self) -> dict[str, Any]:
        """What a checkpoint keeps to continue counting after an interruption."""
        return {
            "read": self.read,
            "scored": self.scored,
            "rejected": self.rejected,
            "languages": dict(self.languages),
            "errors": dict(self.errors),
            "warnings": dict(self.warnings),
            "duplicate_ids": self.duplicate_ids,
            "duplicate_examples": self.duplicate_examples,
        }

    @classmethod
    def from_counts(cls, counts: dict[str, Any]) -> ScoreSummary:
        """The summary a checkpoint left; the rows counted so far are ``resumed_rows``."""
        return cls(
            read=counts["read"],
            scored=counts["scored"],
            rejected=counts["rejected"],
            languages=Counter(counts["languages"]),
            errors=Counter(counts["errors"]),
            warnings=Counter(counts["warnings"]),
            duplicate_ids=counts["duplicate_ids"],
            duplicate_examples=list(counts["duplicate_examples"]),
            resumed_rows=counts["read"],
        )


class DuplicateIds:
    """Remembers every id seen, to flag repeats.

    The ids are kept in a set: exact, about 100 bytes per distinct id (100 MB for a
    million rows), the only state of a run that grows with the number of rows.
    """

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def is_repeat(self, item_id: str) -> bool:
        """Remember ``item_id``; True when it was seen before."""
        if item_id in self._seen:
            return True
        self._seen.add(item_id)
        return False

    def flag(self, records: list[dict[str, Any]], summary: ScoreSummary) -> None:
        """Add the ``duplicate_id`` warning to repeated ids and count them."""
        for record in records:
            if self.is_repeat(record["id"]):
                record["warnings"].append("duplicate_id")
                summary.duplicate_ids += 1
                if len(summary.duplicate_examples) < DUPLICATE_EXAMPLES:
                    summary.duplicate_examples.append(record["id"])
