"""One error body for every failure: ``{"error": {"code", "message", "item_id"}}``.

``CxNlpError`` subclasses map to status codes (``InputError`` 422, ``ConfigError`` and
``ModelLoadError`` 503, ``AnalyzerError`` 500); request validation errors become 422 with
code ``invalid_input`` (or ``empty_text``) and the offending item id; HTTP errors keep their
status and headers. No handler ever returns a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from cx_nlp.errors import (
    AnalyzerError,
    ConfigError,
    CxNlpError,
    EmptyTextError,
    EncodingError,
    InputError,
    ModelLoadError,
    TextTypeError,
)

logger = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[CxNlpError], int], ...] = (
    (InputError, 422),
    (ConfigError, 503),
    (ModelLoadError, 503),
    (AnalyzerError, 500),
)
HTTP_CODES = {
    400: "invalid_body",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "not_ready",
}
INPUT_ERRORS_BY_CODE: dict[str, type[InputError]] = {
    cls.code: cls for cls in (InputError, EmptyTextError, TextTypeError, EncodingError)
}


class ErrorDetail(BaseModel):
    """What went wrong, as a stable code and a message for people."""

    model_config = ConfigDict(extra="forbid")

    code: str
    message: str
    item_id: str | None = None


class ErrorBody(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (401, "Missing or unknown API key."),
        (403, "Revoked API key."),
        (413, "Request body too large."),
        (422, "Invalid input; `item_id` names the offending item."),
        (429, "Rate limited; see the Retry-After header."),
        (503, "Models not loaded."),
    )
}


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    item_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A JSON error response in the one error shape."""
    body = {"error": {"code": code, "message": message, "item_id": item_id}}
    return JSONResponse(body, status_code=status, headers=headers)


def status_of(error: CxNlpError) -> int:
    """The HTTP status of a library error."""
    for cls, status in STATUS_BY_ERROR:
        if isinstance(error, cls):
            return status
    return 500


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers of library, validation, HTTP and unexpected errors."""
    app.add_exception_handler(CxNlpError, _library_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)


async def _library_error(request: Request, exc: CxNlpError) -> JSONResponse:
    status = status_of(exc)
    log = logger.error if status >= 500 else logger.info
    log("%s %s -> %s [%s]", request.method, request.url.path, status, exc.code)
    return error_response(status, exc.code, exc.message, item_id=exc.item_id)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    item_id = _item_id(first, exc.body)
    code = first["type"] if first["type"] in INPUT_ERRORS_BY_CODE else InputError.code
    message = "; ".join(_describe(error) for error in errors[:5])
    if len(errors) > 5:
        message += f"; and {len(errors) - 5} more problem(s)"
    return error_response(422, code, message, item_id=item_id)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    code = HTTP_CODES.get(exc.status_code, "http_error")
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, code, str(exc.detail), headers=headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "Internal error; the server log has details.")


def _describe(error: Any) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    message = str(error.get("msg", "invalid value"))
    return f"{location}: {message}" if location else message


def _item_id(error: Any, body: Any) -> str | None:
    """The id of the item an error points at (``body.items.<n>...``), when it has one."""
    context = error.get("ctx") or {}
    if isinstance(context.get("item_id"), str):
        return str(context["item_id"])
    location = [part for part in error.get("loc", ()) if part != "body"]
    if len(location) < 2 or location[0] != "items" or not isinstance(location[1], int):
        return None
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or location[1] >= len(items):
        return None
    item = items[location[1]]
    item_id = item.get("id") if isinstance(item, dict) else None
    return item_id if isinstance(item_id, str) else str(location[1] + 1)
