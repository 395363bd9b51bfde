"""``POST /v1/analyze`` and ``POST /v1/aggregate``: real-time analysis of 1..N items."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.aggregate import aggregate
from api.deps import AppState, ReadyStateDep, require_caller
from api.errors import ERROR_RESPONSES
from api.routes import with_body_model
from api.schemas import AggregateResponse, AnalyzeRequest, ApiSchemas
from cx_nlp.io.writers import contract_record
from cx_nlp.pipeline import validate_item
from cx_nlp.schema import Doc

# Rendered by pydantic into the components (see api.main): FastAPI cannot walk ``Doc``.
ANALYZE_RESPONSE = {
    "description": "One output record per item, in request order.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AnalyzeResponse"}}},
}


def build_router(schemas: ApiSchemas) -> APIRouter:
    """The analyze router, with request models carrying this deployment's limits."""
    router = APIRouter(
        prefix="/v1", tags=["analyze"], dependencies=[Depends(require_caller)],
        responses=ERROR_RESPONSES,
    )  # fmt: skip

    async def analyze(body: AnalyzeRequest, state: ReadyStateDep) -> JSONResponse:
        """Analyze 1..N items; one output record per item, in request order."""
        profile, docs = await score_items(state, body)
        include = body.options.include_sentences
        records = [_record(doc, include_sentences=include) for doc in docs]
        return JSONResponse({"profile": profile, "records": records})

    async def aggregate_items(body: AnalyzeRequest, state: ReadyStateDep) -> AggregateResponse:
        """Analyze 1..N items and return their summary: sentiment and emotion shares."""
        profile, docs = await score_items(state, body)
        has_forces = "forces" in state.pipelines[profile].names
        return aggregate(docs, profile=profile, has_forces=has_forces)

    router.add_api_route(
        "/analyze", with_body_model(analyze, schemas.analyze), methods=["POST"],
        summary="Analyze feedback items", responses={200: ANALYZE_RESPONSE},
    )  # fmt: skip
    router.add_api_route(
        "/aggregate", with_body_model(aggregate_items, schemas.analyze), methods=["POST"],
        response_model=AggregateResponse, summary="Summarize feedback items",
    )  # fmt: skip
    return router


async def score_items(state: AppState, body: AnalyzeRequest) -> tuple[str, list[Doc]]:
    """Check the items (an unusable one is a 422 naming it) and score them in a micro-batch.

    Raises:
        InputError: an item is unusable (e.g. bytes that are not valid text).
    """
    profile = body.options.profile or state.default_profile
    items = [validate_item(item, position) for position, item in enumerate(body.items, 1)]
    return profile, await state.batchers[profile].analyze(items)


def _record(doc: Doc, *, include_sentences: bool) -> dict[str, Any]:
    record = contract_record(doc)
    if not include_sentences:
        record["sentences"] = []
    return record
