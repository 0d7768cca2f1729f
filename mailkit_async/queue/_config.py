"""``QueueConfig``: where the queue lives and how the workers share Mailkit.

Every producer and worker of one deployment must use the same values (the same
Redis, queue name, key prefix and limit): the limit is only global if everyone
counts in the same place.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import attrs
import orjson

from .._exceptions import ConfigurationError

__all__ = ["ENV_PREFIX", "QueueConfig", "job_deserializer", "job_serializer", "redact_url"]

ENV_PREFIX: Final = "MAILKIT_QUEUE_"
"""Environment variables read by ``QueueConfig.from_env`` start with this."""

_positive = attrs.validators.gt(0.0)
_positive_int = attrs.validators.gt(0)


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs and reprs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def job_serializer(data: Any) -> bytes:
    """Serialise arq jobs of the Mailkit queue as JSON, never pickle.

    Anything JSON cannot carry (an exception in a failed job's result) is stored as
    its text.
    """
    return orjson.dumps(data, default=repr)


def job_deserializer(raw: bytes) -> Any:
    """Read an arq job of the Mailkit queue (the inverse of ``job_serializer``)."""
    return orjson.loads(raw)


@attrs.frozen
class QueueConfig:
    """How producers and workers find each other and share Mailkit.

    Attributes:
        redis_url: The Redis holding the queue, the ledger and the leases
            (``redis://host:port/db``; its password is never shown).
        queue_name: The arq queue the Mailkit jobs go to.
        key_prefix: Prefix of every key this package writes (ledger, leases).
        limit: At most this many ``sendmail_mass`` calls in flight across all workers.
        lease_ttl: Seconds a lease outlives its last renewal. A live worker renews its
            lease every third of this; a dead worker's slot comes back after it. Keep
            it at least as long as one request may run at Mailkit (the client's
            per-attempt ``Timeout.total``) if the limit must hold even after a crash.
        lease_wait: Seconds a batch job waits for a lease before it gives up and is
            queued again (nothing sent). The request's own deadline starts only once
            the lease is held.
        request_deadline: When set, the workers' clients get this per-call deadline
            (and per-attempt limits no longer than it); otherwise the client's own.
        max_jobs: Jobs one worker process runs at the same time.
        poll_delay: Seconds between a worker's looks at the queue.
        max_tries: How often a job is started at most (crash recoveries and retries
            after a lease wait count).
        retention: Seconds the ledger of a job is kept after its last change.
    """

    redis_url: str = attrs.field(default="redis://localhost:6379/0", repr=redact_url)
    queue_name: str = "mailkit:queue"
    key_prefix: str = "mailkit:"
    limit: int = attrs.field(default=4, validator=_positive_int)
    lease_ttl: float = attrs.field(default=120.0, validator=_positive)
    lease_wait: float = attrs.field(default=120.0, validator=_positive)
    request_deadline: float | None = attrs.field(
        default=None, validator=attrs.validators.optional(_positive)
    )
    max_jobs: int = attrs.field(default=10, validator=_positive_int)
    poll_delay: float = attrs.field(default=0.1, validator=_positive)
    max_tries: int = attrs.field(default=25, validator=_positive_int)
    retention: float = attrs.field(default=7 * 86400.0, validator=_positive)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> QueueConfig:
        """A config from ``MAILKIT_QUEUE_*`` variables; keyword arguments override them.

        ``MAILKIT_QUEUE_REDIS_URL``, ``_NAME``, ``_PREFIX``, ``_LIMIT``, ``_LEASE_TTL``,
        ``_LEASE_WAIT``, ``_REQUEST_DEADLINE``, ``_MAX_JOBS``, ``_POLL_DELAY``,
        ``_MAX_TRIES`` and ``_RETENTION``; unset or empty ones keep their defaults.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field, suffix, convert in _ENV_FIELDS:
            raw = env.get(ENV_PREFIX + suffix, "").strip()
            if not raw:
                continue
            try:
                values[field] = convert(raw)
            except ValueError:
                raise ConfigurationError(
                    f"{ENV_PREFIX}{suffix} must be a number, got {raw!r}"
                ) from None
        values.update(overrides)
        try:
            return cls(**values)
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"queue settings: {exc}") from None

    def key(self, *parts: str) -> str:
        """A Redis key under ``key_prefix`` (``config.key("limit", "12345")``)."""
        return self.key_prefix + ":".join(parts)

    def batch_job_id(self, job_id: str, batch_id: str) -> str:
        """The queue job ID of one batch: enqueueing it twice makes one job."""
        return self.key("batch", job_id, batch_id)

    def poll_job_id(self, job_id: str, round_no: int) -> str:
        """The queue job ID of one results-polling round of a job."""
        return self.key("poll", job_id, str(round_no))


_ENV_FIELDS: Final[tuple[tuple[str, str, Callable[[str], Any]], ...]] = (
    ("redis_url", "REDIS_URL", str),
    ("queue_name", "NAME", str),
    ("key_prefix", "PREFIX", str),
    ("limit", "LIMIT", int),
    ("lease_ttl", "LEASE_TTL", float),
    ("lease_wait", "LEASE_WAIT", float),
    ("request_deadline", "REQUEST_DEADLINE", float),
    ("max_jobs", "MAX_JOBS", int),
    ("poll_delay", "POLL_DELAY", float),
    ("max_tries", "MAX_TRIES", int),
    ("retention", "RETENTION", float),
)
