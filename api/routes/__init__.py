"""API routers, one module per resource."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

EndpointT = TypeVar("EndpointT", bound=Callable[..., Any])


def with_body_model(endpoint: EndpointT, model: type[BaseModel]) -> EndpointT:
    """Point ``endpoint``'s ``body`` parameter at ``model`` (a per-app request model).

    The request models carry deployment limits (see ``api.schemas.build_schemas``), so they
    exist only once settings are known; FastAPI reads the parameter types from
    ``__annotations__`` when the route is added.
    """
    endpoint.__annotations__ = {**endpoint.__annotations__, "body": model}
    return endpoint
