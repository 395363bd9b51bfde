"""``/v1/jobs``: submit a batch (JSON items or a file), follow it, fetch and delete results."""

from __future__ import annotations

import json
import shutil
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from api.deps import AppState, CallerDep, JobStoreDep, ReadyStateDep, require_caller
from api.errors import ERROR_RESPONSES
from api.jobs.files import ITEM_COLUMNS, result_path, save_upload, write_items
from api.jobs.store import JobRow, JobStore, job_dir
from api.schemas import ApiSchemas, JobState, JobStatus
from cx_nlp.scoring import ColumnMapping

MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}
RESULT_CONTENT = {media_type: {"schema": {"type": "string"}} for media_type in MEDIA_TYPES.values()}


class UploadForm(BaseModel):
    """The form fields sent with an uploaded file (besides ``file``)."""

    model_config = ConfigDict(extra="forbid")

    profile: str | None = None
    text_column: str = "text"
    id_column: str | None = None
    language_column: str | None = None
    channel_column: str | None = None
    date_column: str | None = None
    rating_column: str | None = None

    def mapping(self) -> ColumnMapping:
        """The ``ColumnMapping`` of these fields."""
        return ColumnMapping(
            text=self.text_column, id=self.id_column, language=self.language_column,
            channel=self.channel_column, created_at=self.date_column, rating=self.rating_column,
        )  # fmt: skip


def build_router(schemas: ApiSchemas) -> APIRouter:
    """The jobs router; ``POST /v1/jobs`` takes JSON (``schemas.job``) or multipart."""
    router = APIRouter(
        prefix="/v1/jobs", tags=["jobs"], dependencies=[Depends(require_caller)],
        responses=ERROR_RESPONSES,
    )  # fmt: skip

    @router.post(
        "", status_code=202, summary="Submit a scoring job", openapi_extra=_request_body(),
        responses={415: {"description": "Neither JSON nor multipart/form-data."}},
    )  # fmt: skip
    async def submit(request: Request, state: ReadyStateDep, caller: CallerDep) -> JobStatus:
        """Queue JSON items or an uploaded CSV/TSV/JSONL/XLSX/Parquet file; 202 with the job."""
        job_id = uuid.uuid4().hex
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "multipart/form-data":
            profile, name, columns = await _from_upload(request, state, job_id)
        elif content_type == "application/json":
            profile, name, columns = await _from_json(request, state, schemas, job_id)
        else:
            raise HTTPException(415, "Send application/json items or a multipart/form-data file.")
        store = _store(state)
        status = store.create(
            job_id, owner=caller, profile=profile, input_name=name, columns=columns
        )
        if state.runner is not None:
            state.runner.notify()
        return status

    router.add_api_route("/{job_id}", get_job, methods=["GET"], summary="Job state")
    router.add_api_route(
        "/{job_id}/result", get_result, methods=["GET"], summary="Job result",
        response_class=FileResponse,
        responses={200: {"content": RESULT_CONTENT}, 409: {"description": "Not succeeded yet."}},
    )  # fmt: skip
    router.add_api_route(
        "/{job_id}", delete_job, methods=["DELETE"], status_code=204, summary="Delete a job",
        response_class=Response,
    )  # fmt: skip
    return router


def get_job(job_id: str, store: JobStoreDep, caller: CallerDep) -> JobStatus:
    """State, progress and read/scored/rejected counts of a job."""
    return _owned(store, job_id, caller).status()


def get_result(
    job_id: str,
    store: JobStoreDep,
    state: ReadyStateDep,
    caller: CallerDep,
    result_format: Annotated[Literal["jsonl", "csv"], Query(alias="format")] = "jsonl",
) -> FileResponse:
    """The scored records: JSONL (the output contract) or flat CSV."""
    job = _owned(store, job_id, caller)
    if job.state != JobState.SUCCEEDED:
        raise HTTPException(409, f"Job '{job_id}' is {job.state}; results exist once it succeeded.")
    path = result_path(job_dir(state.settings, job_id), result_format)
    filename = f"{job_id}.{result_format}"
    return FileResponse(path, media_type=MEDIA_TYPES[result_format], filename=filename)


def delete_job(
    job_id: str, store: JobStoreDep, state: ReadyStateDep, caller: CallerDep
) -> Response:
    """Delete a job and its files; a running job stops at its next chunk."""
    job = _owned(store, job_id, caller)
    store.delete(job_id)
    if job.state != JobState.RUNNING:
        shutil.rmtree(job_dir(state.settings, job_id), ignore_errors=True)
    return Response(status_code=204)


def _owned(store: JobStore, job_id: str, caller: str) -> JobRow:
    job = store.get(job_id, owner=caller)
    if job is None:
        raise HTTPException(404, f"No job '{job_id}' for this API key.")
    return job


def _store(state: AppState) -> JobStore:
    if state.jobs is None:
        raise HTTPException(503, "The job store is not open.")
    return state.jobs


def _check_profile(state: AppState, profile: str | None) -> str:
    if profile is None:
        return state.default_profile
    if profile not in state.pipelines:
        loaded = ", ".join(state.pipelines)
        raise RequestValidationError(
            [{"loc": ("body", "profile"), "msg": f"Input should be one of {loaded}",
              "type": "literal_error", "input": profile}]
        )  # fmt: skip
    return profile


async def _from_json(
    request: Request, state: AppState, schemas: ApiSchemas, job_id: str
) -> tuple[str, str, ColumnMapping]:
    raw = await request.body()
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise HTTPException(400, f"The body is not valid UTF-8 JSON: {exc}.") from exc
    try:
        request_model = schemas.job.model_validate(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False), body=body) from exc
    profile = request_model.options.profile or state.default_profile
    name = await run_in_threadpool(
        write_items, job_dir(state.settings, job_id), request_model.items
    )
    return profile, name, ITEM_COLUMNS


async def _from_upload(
    request: Request, state: AppState, job_id: str
) -> tuple[str, str, ColumnMapping]:
    async with request.form(max_files=1, max_fields=16) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise RequestValidationError(
                [{"loc": ("body", "file"), "msg": "Field required: the file to score",
                  "type": "missing"}]
            )  # fmt: skip
        fields = {key: value for key, value in form.items() if key != "file"}
        try:
            options = UploadForm.model_validate(fields)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from exc
        profile = _check_profile(state, options.profile)
        folder = job_dir(state.settings, job_id)
        try:
            name = await run_in_threadpool(
                save_upload, folder, upload.filename, upload.file, options.mapping()
            )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    return profile, name, options.mapping()


def _request_body() -> dict[str, Any]:
    form = {
        "type": "object",
        "required": ["file"],
        "properties": {
            "file": {"type": "string", "format": "binary"},
            **{name: {"type": "string"} for name in UploadForm.model_fields},
        },
    }
    json_body = {"$ref": "#/components/schemas/JobRequest"}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": json_body},
                "multipart/form-data": {"schema": form},
            },
        }
    }
