"""Distillation: soft targets from a teacher file, its checks, and the documented chain."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")

from safetensors.numpy import save_file  # noqa: E402 - after importorskip

from cx_nlp.errors import ConfigError  # noqa: E402
from cx_nlp.training.cache import texts_digest  # noqa: E402
from cx_nlp.training.data import LabelledText  # noqa: E402
from cx_nlp.training.distil import DEFAULT_TEACHER, Distillation, load_distillation  # noqa: E402
from cx_nlp.training.e5_finetune import linear_head  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"


def test_training_set_blends_gold_with_the_teacher_and_appends_the_extra_texts() -> None:
    teacher = np.array([[0.2, 0.2, 0.6], [0.9, 0.05, 0.05]])
    distillation = Distillation(
        train_probs=teacher,
        extra_vectors=np.full((1, 2), 7.0, dtype=np.float32),
        extra_probs=np.array([[0.1, 0.8, 0.1]]),
        training_data=[],
        alpha=0.5,
    )
    x, target = distillation.training_set(
        np.zeros((2, 2), np.float32), np.array([0, 2]), np.array([2.0, 0.5], np.float32)
    )
    assert x.shape == (3, 2)
    assert x[2, 0] == 7.0
    np.testing.assert_allclose(
        target.y, [[0.6, 0.1, 0.3], [0.45, 0.025, 0.525], [0.1, 0.8, 0.1]], rtol=1e-6
    )
    np.testing.assert_allclose(target.row_weights, [2.0, 0.5, 1.0])
    assert not target.multilabel


class NoEncoder:
    """Refusals happen before anything is embedded."""

    name, version, dim = "none", "0", 2

    def encode(self, texts: list[str]) -> np.ndarray:
        raise AssertionError("nothing should be embedded")


def test_teacher_file_of_other_texts_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "teacher.npz"
    np.savez(
        path,
        **{
            "sentiment:sentiment": np.full((1, 3), 1 / 3, np.float32),
            "sentiment:digest": np.frombuffer(texts_digest(["other"]).encode(), np.uint8),
        },
    )
    mix = [LabelledText("bello", ("positive",), "it", "umsab", "train")]
    with pytest.raises(ConfigError, match="other sentiment texts"):
        load_distillation(path, mix, data_dir=tmp_path, encoder=NoEncoder(), cache_dir=tmp_path)
    with pytest.raises(ConfigError, match="not found"):
        load_distillation(
            tmp_path / "missing.npz", mix, data_dir=tmp_path, encoder=NoEncoder(),
            cache_dir=tmp_path,
        )  # fmt: skip


def test_shipped_teacher_file_covers_the_three_pack_tasks() -> None:
    with np.load(DEFAULT_TEACHER) as teacher:
        for task in ("sentiment", "emotion", "unlabelled"):
            probs = teacher[f"{task}:sentiment"]
            assert probs.shape[1] == 3
            assert len(probs) > 10_000
            np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
            assert len(bytes(teacher[f"{task}:digest"]).decode()) == 16


def test_linear_head_takes_the_e5_half_of_a_widened_head(tmp_path: Path) -> None:
    e5_part = np.arange(6, dtype=np.float32).reshape(3, 2) + 1
    widened = np.concatenate([np.zeros((3, 4), np.float32), e5_part], axis=1)
    save_file({"layers.0.weight": widened, "layers.0.bias": np.ones(3, np.float32)},
              str(tmp_path / "wide.safetensors"))  # fmt: skip
    weight, _bias = linear_head(tmp_path / "wide.safetensors", 2)
    np.testing.assert_array_equal(weight.numpy(), e5_part)
    widened[0, 0] = 0.5  # reads the other encoder too: not an e5 head
    save_file({"layers.0.weight": widened, "layers.0.bias": np.ones(3, np.float32)},
              str(tmp_path / "mixed.safetensors"))  # fmt: skip
    with pytest.raises(ValueError, match="not a linear head"):
        linear_head(tmp_path / "mixed.safetensors", 2)


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"needs the shared data at {SHARED_DATA}")
def test_pack_predict_distil_chain_runs_end_to_end(tmp_path: Path) -> None:
    """models/distillation/README.md on 20 rows per source: pack -> teacher -> student head."""
    from cx_nlp.heads import Head
    from cx_nlp.training.release import TrainRequest, train_and_export

    pack, out = tmp_path / "pack.npz", tmp_path / "teacher"
    run = {"check": True, "cwd": REPO, "capture_output": True, "text": True, "timeout": 900}
    subprocess.run(
        [sys.executable, "-m", "cx_nlp.training.encoder_pack", "--data", str(SHARED_DATA),
         "-o", str(pack), "--max-rows", "20", "--unlabelled"], **run,
    )  # fmt: skip
    printed = subprocess.run(
        [sys.executable, "cx_nlp/training/e5_finetune.py", "--pack", str(pack), "--out", str(out),
         "--predict", "models/encoder-e5-small-cx-v1/adapter.safetensors",
         "models/sentiment-usem3-e5smallcx-v1/head.safetensors"], **run,
    ).stdout  # fmt: skip
    assert json.loads(printed.splitlines()[-1])["amazon_it"] > 0.0
    model = tmp_path / "models" / "sentiment-usem3-v9"
    metrics = train_and_export(
        TrainRequest("sentiment", model, max_rows=20, teacher=out / "teacher.npz"),
        cache_dir=tmp_path / "cache",
    )
    assert metrics["umsab"]["rows"] > 0
    manifest = json.loads((model / "manifest.json").read_text())
    names = [entry["name"] for entry in manifest["training_data"]]
    assert "teacher probabilities" in names
    assert "banking77_en (texts only, teacher labels)" in names
    assert manifest["commercial_use"] is False
    assert "Distilled" in (model / "MODEL_CARD.md").read_text()
    assert Head.load(model, encoder=("usem3", 512)).predict_proba(
        np.ones((1, 512), np.float32)
    ).shape == (1, 3)
