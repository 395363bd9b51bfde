"""The single registry of analyzer factories: name -> (config model, factory)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel

from cx_nlp.errors import ConfigError

if TYPE_CHECKING:
    from cx_nlp.config import Settings
    from cx_nlp.schema import Doc


class Analyzer(Protocol):
    """Anything that fills declared ``Doc`` fields for a batch of docs."""

    name: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]

    def __call__(self, docs: list[Doc]) -> list[Doc]: ...


ConfigT = TypeVar("ConfigT", bound=BaseModel)
Factory = Callable[[Any, "Settings"], Analyzer]


@dataclass(frozen=True)
class Registration:
    """A registered analyzer: its config model and the factory that builds it."""

    name: str
    config: type[BaseModel]
    factory: Factory


_REGISTRY: dict[str, Registration] = {}


def register_analyzer(
    name: str, *, config: type[ConfigT]
) -> Callable[[Callable[[ConfigT, Settings], Analyzer]], Callable[[ConfigT, Settings], Analyzer]]:
    """Register an analyzer factory under ``name``; a duplicate name is a ``ConfigError``."""

    def decorate(
        factory: Callable[[ConfigT, Settings], Analyzer],
    ) -> Callable[[ConfigT, Settings], Analyzer]:
        if name in _REGISTRY:
            raise ConfigError(f"Analyzer '{name}' is registered twice; names must be unique.")
        _REGISTRY[name] = Registration(name=name, config=config, factory=factory)
        return factory

    return decorate


def get_registration(name: str) -> Registration:
    """Return the registration of ``name`` or raise a ``ConfigError`` listing known names."""
    _import_builtin_analyzers()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise ConfigError(f"Unknown analyzer '{name}'; registered analyzers: {known}.") from None


def registered_names() -> list[str]:
    """Names of every registered analyzer, sorted."""
    _import_builtin_analyzers()
    return sorted(_REGISTRY)


def _import_builtin_analyzers() -> None:
    # Importing the modules runs their @register_analyzer decorators; they import no
    # heavy libraries at module level, so this stays cheap.
    import cx_nlp.analyzers  # noqa: F401  (import for its registration side effect)
