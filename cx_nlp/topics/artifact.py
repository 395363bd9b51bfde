"""Topic model folders: the manifest, saving, and assignment by nearest topic vector.

A folder holds BERTopic's safetensors serialisation (``topics.json``, ``config.json``,
``topic_embeddings.safetensors``, ``ctfidf.safetensors``, ``ctfidf_config.json``), the
representative texts (``representative_texts.json``), ``manifest.json``
(:class:`TopicsManifest`) and ``MODEL_CARD.md``. Assignment reads only
``topics.json`` and ``topic_embeddings.safetensors`` with numpy, so scoring never imports
BERTopic: a document goes to the topic whose vector (mean of its members' vectors) is most
cosine-similar, unless that similarity is below the fitted ``outlier_threshold``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cx_nlp.artifacts import EncoderInfo, sha256_file
from cx_nlp.errors import ModelLoadError
from cx_nlp.schema import Topic

OUTLIER_ID = -1
OUTLIER_LABEL = "outlier"
TOPICS_MANIFEST_FILE = "manifest.json"
# BERTopic does not serialise representative documents; they are kept here (prepared texts).
EXAMPLES_FILE = "representative_texts.json"
BERTOPIC_FILES: tuple[str, ...] = (
    "config.json",
    "topics.json",
    "topic_embeddings.safetensors",
    "ctfidf.safetensors",
    "ctfidf_config.json",
)


class TopicsManifest(BaseModel):
    """What a topic model folder holds and how it was fitted (``manifest.json``).

    The head ``Manifest`` of ``cx_nlp.artifacts`` describes classifier heads (labels,
    activation, architecture), which a corpus-level topic model does not have.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    task: str = Field(default="topics", pattern="^topics$")
    encoder: EncoderInfo
    corpus: str = Field(description="What the model was fitted on.")
    rows: int = Field(ge=0)
    languages: list[str]
    n_topics: int = Field(ge=0, description="Topics, not counting the outlier class.")
    outlier_share: float = Field(ge=0.0, le=1.0, description="Share of fitted texts left -1.")
    outlier_threshold: float = Field(ge=-1.0, le=1.0, description="Minimum cosine to assign.")
    temperature: float = Field(gt=0.0, description="Softmax temperature over similarities.")
    options: dict[str, Any]
    metrics: dict[str, float] = Field(default_factory=dict)
    source_commit: str
    created: date
    files: dict[str, str]


@dataclass(frozen=True)
class TopicModel:
    """A fitted topic model ready to assign: ids, labels, unit topic vectors, threshold."""

    manifest: TopicsManifest
    ids: list[int]
    labels: list[str]
    vectors: np.ndarray  # (len(ids), dim), L2-normalised, outlier row excluded

    def assign(self, embeddings: np.ndarray) -> list[Topic]:
        """Assign each (L2-normalised) row of ``embeddings`` to a topic, or to the outliers.

        ``probability`` is the softmax over the cosine similarities to every topic at the
        manifest's temperature; outliers get ``1 - `` the best topic's probability.
        """
        if embeddings.shape[0] == 0:
            return []
        similarity = embeddings @ self.vectors.T
        best = np.argmax(similarity, axis=1)
        scaled = (similarity - similarity.max(axis=1, keepdims=True)) / self.manifest.temperature
        weights = np.exp(scaled)
        probability = weights[np.arange(len(best)), best] / weights.sum(axis=1)
        top = similarity[np.arange(len(best)), best]
        topics = []
        for column, p, sim in zip(best.tolist(), probability.tolist(), top.tolist(), strict=True):
            if sim < self.manifest.outlier_threshold:
                topics.append(Topic(id=OUTLIER_ID, label=OUTLIER_LABEL, probability=1.0 - p))
            else:
                topic_id, label = self.ids[column], self.labels[column]
                topics.append(Topic(id=topic_id, label=label, probability=min(max(p, 0.0), 1.0)))
        return topics


def load_topic_model(model_dir: Path) -> TopicModel:
    """Read a topic model folder written by :func:`cx_nlp.topics.fit.save_topics`.

    Raises:
        ModelLoadError: a file is missing, modified, or inconsistent with the manifest.
    """
    from safetensors.numpy import load_file

    manifest = read_topics_manifest(model_dir)
    for filename, expected in manifest.files.items():
        path = model_dir / filename
        if not path.is_file() or sha256_file(path) != expected:
            raise ModelLoadError(
                f"Topic model file {str(path)!r} is missing or differs from its manifest "
                "checksum; restore the folder or refit with `cx-nlp topics fit`."
            )
    info = json.loads((model_dir / "topics.json").read_text(encoding="utf-8"))
    all_ids = sorted(int(key) for key in info["topic_sizes"])
    tensors = load_file(str(model_dir / "topic_embeddings.safetensors"))["topic_embeddings"]
    if tensors.shape != (len(all_ids), manifest.encoder.dim):
        raise ModelLoadError(
            f"Topic vectors in {str(model_dir)!r} have shape {tensors.shape}, expected "
            f"({len(all_ids)}, {manifest.encoder.dim}); refit the model."
        )
    keep = [i for i, topic_id in enumerate(all_ids) if topic_id != OUTLIER_ID]
    vectors = tensors[keep].astype(np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    ids = [all_ids[i] for i in keep]
    labels = [topic_labels(info)[topic_id] for topic_id in ids]
    return TopicModel(manifest=manifest, ids=ids, labels=labels, vectors=vectors)


def read_topics_manifest(model_dir: Path) -> TopicsManifest:
    """Read and validate ``model_dir/manifest.json`` as a :class:`TopicsManifest`.

    Raises:
        ModelLoadError: the file is missing, not JSON or not a topics manifest.
    """
    path = Path(model_dir) / TOPICS_MANIFEST_FILE
    try:
        return TopicsManifest.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise ModelLoadError(
            f"Cannot read topic model manifest {str(path)!r}: {exc}; point to a folder made "
            "by `cx-nlp topics fit`."
        ) from exc
    except ValidationError as exc:
        raise ModelLoadError(
            f"Topic model manifest {str(path)!r} is invalid: {exc.errors()[0]['msg']}; "
            "refit with `cx-nlp topics fit`."
        ) from exc


def topic_labels(info: dict[str, Any]) -> dict[int, str]:
    """Short labels by topic id from BERTopic's ``topics.json`` (custom labels first)."""
    custom = info.get("custom_labels")
    if custom:
        ids = sorted(int(key) for key in info["topic_sizes"])
        return dict(zip(ids, custom, strict=True))
    return {int(key): str(value) for key, value in info["topic_labels"].items()}


def topic_table(model_dir: Path) -> list[dict[str, Any]]:
    """One row per topic (id, size, label, keywords, representative texts), by id."""
    info = json.loads((Path(model_dir) / "topics.json").read_text(encoding="utf-8"))
    labels = topic_labels(info)
    representations = info["topic_representations"]
    examples_path = Path(model_dir) / EXAMPLES_FILE
    examples = (
        json.loads(examples_path.read_text(encoding="utf-8")) if examples_path.is_file() else {}
    )
    return [
        {
            "id": int(key),
            "size": int(size),
            "label": labels[int(key)],
            "keywords": [word for word, _score in representations.get(key, []) if word],
            "examples": examples.get(key, []),
        }
        for key, size in sorted(info["topic_sizes"].items(), key=lambda kv: int(kv[0]))
    ]
