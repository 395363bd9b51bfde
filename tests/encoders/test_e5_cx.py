"""The fine-tuned e5-small (``e5-small-cx``): adapter merge, artifact checks, the training chain."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")

from safetensors.numpy import save_file  # noqa: E402 - after importorskip

from cx_nlp.config import get_settings  # noqa: E402
from cx_nlp.encoders.base import E5_CX_MODEL, load_e5_cx, load_encoder  # noqa: E402
from cx_nlp.encoders.e5_torch import merge_adapter  # noqa: E402
from cx_nlp.errors import ModelLoadError  # noqa: E402
from cx_nlp.training.e5_finetune import LoraLinear  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"


def _tiny_layers(n: int = 2) -> torch.nn.ModuleList:
    torch.manual_seed(0)
    sizes = {"qkv": (8, 24), "ao": (8, 8), "fi": (8, 16), "fo": (16, 8)}
    return torch.nn.ModuleList(
        torch.nn.ModuleDict({k: torch.nn.Linear(*v) for k, v in sizes.items()}) for _ in range(n)
    )


def test_lora_training_and_merged_inference_compute_the_same_function(tmp_path: Path) -> None:
    """What e5_finetune trains (base + LoRA) equals what e5_torch runs after merging."""
    layers = _tiny_layers()
    lora = LoraLinear(torch.nn.Linear(8, 24), rank=4, alpha=8.0)
    torch.nn.init.normal_(lora.lora_b)
    layers[1]["qkv"].load_state_dict(lora.base.state_dict())
    a = lora.lora_a.detach().numpy()
    b = (lora.lora_b.detach() * lora.scale).numpy()
    save_file({"l1.qkv.lora_a": a, "l1.qkv.lora_b": b}, str(tmp_path / "adapter.safetensors"))
    before = layers[0]["qkv"].weight.detach().clone()
    merge_adapter(torch, layers, str(tmp_path / "adapter.safetensors"))
    x = torch.randn(5, 8)
    with torch.no_grad():
        torch.testing.assert_close(layers[1]["qkv"](x), lora(x), rtol=1e-5, atol=1e-5)
    assert torch.equal(layers[0]["qkv"].weight, before)  # untouched layers stay as they were


def test_adapter_with_foreign_tensors_is_refused(tmp_path: Path) -> None:
    layers = _tiny_layers()
    path = str(tmp_path / "adapter.safetensors")
    save_file({"l7.qkv.lora_a": np.zeros((2, 8), np.float32)}, path)
    with pytest.raises(ValueError, match=r"l7\.qkv\.lora_a"):
        merge_adapter(torch, layers, path)
    save_file(
        {
            "l0.ao.lora_a": np.zeros((2, 8), np.float32),
            "l0.ao.lora_b": np.zeros((9, 2), np.float32),
        },
        path,
    )
    with pytest.raises(ValueError, match=r"l0\.ao is"):
        merge_adapter(torch, layers, path)


@pytest.mark.slow
def test_tampered_adapter_is_refused_at_load(tmp_path: Path) -> None:
    folder = tmp_path / E5_CX_MODEL
    shutil.copytree(get_settings().models_dir / E5_CX_MODEL, folder)
    data = bytearray((folder / "adapter.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (folder / "adapter.safetensors").write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match=r"SHA-256|modified"):
        load_e5_cx(model_dir=str(folder))


@pytest.mark.slow
def test_adapted_encoder_moves_the_space_toward_polarity() -> None:
    """Opposite-polarity paraphrases drift apart once the adapter is merged."""
    plain, adapted = load_encoder("e5-small", num_threads=2), load_encoder("e5-small-cx")
    assert (adapted.name, adapted.dim) == ("e5-small-cx", 384)
    assert "encoder-e5-small-cx-v1" in adapted.version
    pair = [
        "Il servizio è stato ottimo, consegna veloce.",
        "Il servizio è stato pessimo, consegna lenta.",
    ]
    cos_plain = float(np.prod(plain.encode(pair), axis=0).sum())
    cos_adapted = float(np.prod(adapted.encode(pair), axis=0).sum())
    assert cos_adapted < cos_plain - 0.05, (cos_plain, cos_adapted)


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"needs the shared data at {SHARED_DATA}")
def test_pack_finetune_release_chain_runs_end_to_end(tmp_path: Path) -> None:
    """The documented reproduction, on 20 rows per source and the forces corpus as a third task:
    pack -> fine-tune -> model folders."""
    python = sys.executable
    pack = tmp_path / "pack.npz"
    run = {"check": True, "cwd": REPO, "capture_output": True, "text": True, "timeout": 900}
    subprocess.run(
        [
            python,
            "-m",
            "cx_nlp.training.encoder_pack",
            "--data",
            str(SHARED_DATA),
            "-o",
            str(pack),
            "--max-rows",
            "20",
            "--forces",
            "data/forces",
        ],
        **run,
    )
    out = tmp_path / "ft"
    subprocess.run(
        [
            python,
            "cx_nlp/training/e5_finetune.py",
            "--pack",
            str(pack),
            "--out",
            str(out),
            "--epochs",
            "1",
            "--batch",
            "8",
            "--limit",
            "32",
        ],
        **run,
    )
    assert {p.name for p in out.iterdir()} >= {
        "adapter.safetensors",
        "sentiment.safetensors",
        "emotion.safetensors",
        "forces.safetensors",
        "forces_thresholds.json",
        "metrics.json",
    }
    forces = json.loads((out / "metrics.json").read_text())["best"]["forces"]
    assert forces["documents"] == {"dev": 32, "val": 32}
    assert 0.0 <= forces["val_micro_f1"] <= 1.0
    assert len(json.loads((out / "forces_thresholds.json").read_text())) == 12
    models = tmp_path / "models"
    subprocess.run(
        [
            python,
            "-m",
            "cx_nlp.training.e5_release",
            str(out),
            "--data",
            str(SHARED_DATA),
            "--models-dir",
            str(models),
        ],
        **run,
    )
    manifest = json.loads((models / "sentiment-usem3-e5smallcx-v1" / "manifest.json").read_text())
    assert manifest["encoder"]["name"] == "usem3+e5-small-cx"
    assert manifest["metrics"]["umsab"]["rows"] > 0
    encoder_manifest = json.loads((models / E5_CX_MODEL / "manifest.json").read_text())
    assert encoder_manifest["task"] == "encoder"
    sources = {entry["name"] for entry in encoder_manifest["training_data"]}
    assert {"umsab", "xed", "cx-nlp-original", "banking77_en"} <= sources
    card = (models / E5_CX_MODEL / "MODEL_CARD.md").read_text()
    assert "twelve CX-force labels" in card
    assert "CX forces (joint linear" in card
    assert encoder_manifest["architecture"] == {
        "type": "lora",
        "hidden": [],
        "activation": None,
        "rank": 16,
    }
