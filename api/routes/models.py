"""``GET /v1/models``: loaded profiles, the model versions they run, the model cards on disk."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends

from api.deps import PipelinesDep, SettingsDep, require_caller
from api.errors import ERROR_RESPONSES
from api.reload import profile_infos
from api.schemas import ModelsResponse
from cx_nlp.artifacts import MANIFEST_FILE, find_model_dirs

logger = logging.getLogger(__name__)

router = APIRouter(
    prefix="/v1", tags=["models"], dependencies=[Depends(require_caller)], responses=ERROR_RESPONSES
)


@router.get("/models", summary="Loaded profiles and model cards")
def list_models(pipelines: PipelinesDep, settings: SettingsDep) -> ModelsResponse:
    """Loaded profiles (default first) with the model versions they run, and model cards.

    ``model_cards`` holds every ``manifest.json`` one or two levels under the models directory.
    """
    return ModelsResponse(
        profiles=profile_infos(pipelines), model_cards=read_model_cards(settings.models_dir)
    )


def read_model_cards(models_dir: Path) -> list[dict[str, Any]]:
    """The manifests of every model folder; an unreadable one is listed with its error."""
    cards: list[dict[str, Any]] = []
    for folder in find_model_dirs(models_dir):
        path = folder / MANIFEST_FILE
        directory = folder.relative_to(models_dir).as_posix()
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            logger.warning("unreadable model manifest %s: %s", path, exc)
            cards.append({"directory": directory, "error": f"unreadable manifest: {exc}"})
            continue
        card = manifest if isinstance(manifest, dict) else {"manifest": manifest}
        cards.append({"directory": directory, **card})
    return cards
