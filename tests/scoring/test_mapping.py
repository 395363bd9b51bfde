"""Rows to items: mapped fields, segments, passthrough, bad values and bad bytes."""

from __future__ import annotations

from typing import Any

import pytest

from cx_nlp.errors import EncodingError
from cx_nlp.io.encoding import TextEncoding
from cx_nlp.scoring import ColumnMapping, to_item

COLUMNS = ColumnMapping(
    id="id", recommend_score="nps", effort_score="ces", rating="stars",
    segments=("product", "store", "country"),
)  # fmt: skip
DETECTED = TextEncoding("utf-8", detected=True)


def _row(**values: Any) -> dict[str, Any]:
    return {"id": " A-1 ", "text": "Ottimo", **values}


def test_to_item_maps_scores_segments_and_passes_the_rest() -> None:
    row = _row(nps="9", ces="2,5", stars=4, product="fibra", store=12.0, country="IT", x="y")
    item, warnings = to_item(row, 1, COLUMNS)
    assert warnings == []
    assert (item["id"], item["recommend_score"], item["effort_score"], item["rating"]) == (
        "A-1", 9.0, 2.5, 4.0,
    )  # fmt: skip
    assert item["segments"] == {"product": "fibra", "store": "12", "country": "IT"}
    assert item["metadata"] == {"x": "y"}


@pytest.mark.parametrize(
    ("values", "warning"),
    [
        ({"nps": "11"}, "invalid_recommend_score"),
        ({"nps": "-1"}, "invalid_recommend_score"),
        ({"nps": "molto"}, "invalid_recommend_score"),
        ({"ces": "nan"}, "invalid_effort_score"),
        ({"stars": "inf"}, "invalid_rating"),
    ],
)
def test_to_item_keeps_row_with_unparsable_score(values: dict[str, str], warning: str) -> None:
    item, warnings = to_item(_row(**values), 1, COLUMNS)
    assert warnings == [warning]
    column, raw = next(iter(values.items()))
    assert item["metadata"] == {column: raw}
    assert item["text"] == "Ottimo"


def test_to_item_omits_empty_segments() -> None:
    item, _ = to_item(_row(product="", store=None, country=" IT "), 1, COLUMNS)
    assert item["segments"] == {"country": "IT"}


def _bad_bytes(raw: bytes) -> str:
    return raw.decode("utf-8", errors="surrogateescape")


def test_to_item_recovers_latin1_field_with_warning() -> None:
    row = _row(text=_bad_bytes(b"Caff\xe8 freddo"), store=_bad_bytes(b"Forl\xec"))
    item, warnings = to_item(row, 1, COLUMNS, encoding=DETECTED)
    assert (item["text"], item["segments"]["store"]) == ("Caffè freddo", "Forlì")
    assert warnings == ["encoding_recovered"]


@pytest.mark.parametrize(
    ("encoding", "raw", "where"),
    [
        (DETECTED, b"\xff\xfe\x89\x8f\x90", "byte 0xFF at byte 0"),  # mostly high bytes: junk
        (DETECTED, b"ok \x81\x02", "byte 0x81 at byte 3"),  # undefined in cp1252
        (TextEncoding("utf-8"), b"Caff\xe8", "byte 0xE8 at byte 4"),  # explicit: no guessing
    ],
)
def test_to_item_rejects_text_with_junk_bytes(
    encoding: TextEncoding, raw: bytes, where: str
) -> None:
    with pytest.raises(EncodingError, match=where):
        to_item(_row(text=_bad_bytes(raw)), 7, COLUMNS, encoding=encoding)


def test_to_item_rejects_text_with_nul_bytes() -> None:
    with pytest.raises(EncodingError, match="binary data"):
        to_item(_row(text="PK\x00\x03"), 1, COLUMNS)


def test_to_item_replaces_junk_in_other_columns() -> None:
    item, warnings = to_item(_row(x=_bad_bytes(b"\xff\xfe\x8f")), 1, COLUMNS, encoding=DETECTED)
    assert item["metadata"] == {"x": "\ufffd\ufffd\ufffd"}
    assert warnings == ["encoding_replaced"]
