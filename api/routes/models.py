"""``GET /v1/models``: loaded profiles, their analyzers and the model cards on disk."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends

from api.deps import PipelinesDep, SettingsDep, require_caller
from api.errors import ERROR_RESPONSES
from api.schemas import ModelInfo, ModelsResponse

logger = logging.getLogger(__name__)

router = APIRouter(
    prefix="/v1", tags=["models"], dependencies=[Depends(require_caller)], responses=ERROR_RESPONSES
)


@router.get("/models", summary="Loaded profiles and model cards")
def list_models(pipelines: PipelinesDep, settings: SettingsDep) -> ModelsResponse:
    """Profiles loaded at start-up (the default first) and every ``manifest.json`` found."""
    profiles = [
        ModelInfo(profile=name, analyzers=pipeline.names, default=position == 0)
        for position, (name, pipeline) in enumerate(pipelines.items())
    ]
    return ModelsResponse(profiles=profiles, model_cards=read_model_cards(settings.models_dir))


def read_model_cards(models_dir: Path) -> list[dict[str, Any]]:
    """The manifests under ``models_dir/*/``; an unreadable one is listed with its error."""
    cards: list[dict[str, Any]] = []
    for path in sorted(models_dir.glob("*/manifest.json")):
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            logger.warning("unreadable model manifest %s: %s", path, exc)
            cards.append({"directory": path.parent.name, "error": f"unreadable manifest: {exc}"})
            continue
        card = manifest if isinstance(manifest, dict) else {"manifest": manifest}
        cards.append({"directory": path.parent.name, **card})
    return cards
