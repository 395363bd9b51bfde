"""API keys (hashed, constant-time compare), per-key rate limits and CORS.

Keys come from ``CX_NLP_API_KEYS`` (comma-separated) and/or the file named by
``CX_NLP_API_KEYS_FILE`` (one key or ``sha256:<hex>`` digest per line). Only SHA-256
digests are kept in memory. Revoked keys (``CX_NLP_API_REVOKED_KEYS``, keys or digests)
get 403; a missing or unknown key gets 401. Admin keys (``CX_NLP_API_ADMIN_KEYS``) are
ordinary keys that may also call ``/v1/admin/*``; without any, admin calls get 403 (unless
the service runs anonymously, for development).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from starlette.exceptions import HTTPException

from cx_nlp.config import Settings
from cx_nlp.errors import ConfigError

DIGEST_PREFIX = "sha256:"
ANONYMOUS = "anonymous"


def digest(key: str) -> str:
    """Hex SHA-256 of a key; what is stored and compared."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]


def _as_digest(entry: str) -> str:
    if entry.startswith(DIGEST_PREFIX):
        return entry.removeprefix(DIGEST_PREFIX).lower()
    return digest(entry)


def _read_keys_file(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"API keys file '{path}' cannot be read: {exc}.") from exc
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class KeyStore:
    """The SHA-256 digests of the accepted and revoked API keys."""

    accepted: tuple[str, ...]
    revoked: tuple[str, ...]
    allow_anonymous: bool
    admin: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyStore:
        """Read keys from settings; no keys without ``allow_anonymous`` is a ``ConfigError``."""
        entries = _split(settings.api_keys.get_secret_value())
        if settings.api_keys_file is not None:
            entries += _read_keys_file(settings.api_keys_file)
        revoked = tuple(
            _as_digest(entry) for entry in _split(settings.api_revoked_keys.get_secret_value())
        )
        admin = tuple(
            d
            for d in (_as_digest(e) for e in _split(settings.api_admin_keys.get_secret_value()))
            if d not in revoked
        )
        accepted = tuple(
            d for d in (*(_as_digest(entry) for entry in entries), *admin) if d not in revoked
        )
        if not accepted and not settings.allow_anonymous:
            raise ConfigError(
                "No API keys configured; set CX_NLP_API_KEYS or CX_NLP_API_KEYS_FILE, or set "
                "CX_NLP_ALLOW_ANONYMOUS=true to serve without authentication."
            )
        return cls(
            accepted=accepted,
            revoked=revoked,
            allow_anonymous=settings.allow_anonymous,
            admin=admin,
        )

    @property
    def anonymous(self) -> bool:
        """True when no key is required."""
        return not self.accepted and self.allow_anonymous

    def check(self, key: str | None) -> str:
        """The caller's identity (a digest prefix) for ``key``.

        Raises:
            HTTPException: 401 without a valid key, 403 for a revoked key.
        """
        if self.anonymous:
            return ANONYMOUS
        if not key:
            raise HTTPException(
                401,
                "Missing API key; send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        candidate = digest(key)
        if _contains(self.revoked, candidate):
            raise HTTPException(403, "This API key has been revoked; ask for a new one.")
        if not _contains(self.accepted, candidate):
            raise HTTPException(401, "Unknown API key.", headers={"WWW-Authenticate": "Bearer"})
        return candidate[:12]

    def check_admin(self, key: str | None) -> str:
        """The caller's identity, if ``key`` may call admin endpoints.

        Raises:
            HTTPException: 401/403 as :meth:`check`; 403 for a key that is not an admin key.
        """
        caller = self.check(key)
        if caller == ANONYMOUS and not self.admin:
            return caller
        if not self.admin:
            raise HTTPException(
                403, "Admin endpoints are disabled; set CX_NLP_API_ADMIN_KEYS to enable them."
            )
        if key is None or not _contains(self.admin, digest(key)):
            raise HTTPException(403, "This API key may not call admin endpoints.")
        return caller


def _contains(digests: tuple[str, ...], candidate: str) -> bool:
    # Compare against every digest, so timing does not reveal which one matched.
    found = False
    for known in digests:
        found |= hmac.compare_digest(known, candidate)
    return found


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """In-memory token bucket per caller: ``rate`` tokens per second, at most ``burst``."""

    rate: float
    burst: int
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, caller: str, *, now: float | None = None) -> None:
        """Take one token for ``caller``.

        Raises:
            HTTPException: 429 with ``Retry-After`` (seconds) when the bucket is empty.
        """
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.setdefault(caller, _Bucket(float(self.burst), now))
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            wait = (1.0 - bucket.tokens) / self.rate
        raise HTTPException(
            429,
            f"Rate limit of {self.rate:g} requests/s (burst {self.burst}) exceeded; retry later.",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


def cors_origins(settings: Settings) -> list[str]:
    """Allowed CORS origins; empty (closed) by default."""
    return _split(settings.api_cors_origins)
