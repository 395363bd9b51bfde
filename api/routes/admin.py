"""``POST /v1/admin/reload``: load retrained models without restarting (admin keys only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import ReadyStateDep, require_admin
from api.errors import ERROR_RESPONSES
from api.reload import reload_pipelines
from api.schemas import ReloadResponse

router = APIRouter(
    prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)],
    responses={**ERROR_RESPONSES, 409: ERROR_RESPONSES[401] | {"description": "Reload running."}},
)  # fmt: skip


@router.post("/reload", summary="Reload profiles and models")
async def reload(state: ReadyStateDep) -> ReloadResponse:
    """Rebuild every served profile from its TOML and model folders, then swap them.

    The swap happens once every profile has loaded and scored a smoke batch; on failure
    nothing changes and the error says why.
    """
    return await reload_pipelines(state)
