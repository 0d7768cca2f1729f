"""The ledger: every batch of a queued bulk job, its phase and its record, in Redis.

This is what makes a crash harmless. A batch moves through phases, each change made
by one Lua script so that two workers can never both win it:

``queued``
    Registered by the producer (its record lists the addresses) before its queue
    job exists.
``sending <lease>``
    Claimed by the worker holding ``<lease>``, just before the ``sendmail_mass`` call
    ("about to send"). Only a ``queued`` batch can be claimed, so a batch is sent at
    most once, whatever the queue does with its job.
``done <lease>`` / ``settled <lease>``
    The sender recorded the call's outcome (``settled`` once results polling, or the
    outcome itself, makes it final).
``presumed <lease>``
    The sender vanished between claim and outcome (its lease expired): the batch is
    ``UNKNOWN``, never sent again. Should the sender turn out to be alive after all,
    its real outcome still replaces the presumption.
``void``
    Never sent and never will be (its queue job was lost before it started): every
    recipient ``REJECTED`` with ``sent=False``.

Records are ``BatchRecord`` objects stored as JSON; the job's settings live in a meta
hash. All keys expire ``retention`` seconds after the job's last change.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final

import attrs
import cattrs
import orjson

from .._bulk import BatchRecord, BatchSpec, BulkJobState, SettlePolicy
from .._bulk._state import NOT_SENT, UNKNOWN
from .._exceptions import ConfigurationError
from ._config import QueueConfig
from ._report import QueueJobReport

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["BatchPhase", "JobLedger", "JobMeta"]

QUEUED: Final = "queued"
SENDING: Final = "sending"
PRESUMED: Final = "presumed"
DONE: Final = "done"
SETTLED: Final = "settled"
VOID: Final = "void"

_EXPIRE: Final = """
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
end
"""

# KEYS meta, phase, records; ARGV retention, batch id, queued record.
_REGISTER: Final = (
    """
if redis.call('HSETNX', KEYS[2], ARGV[2], 'queued') == 1 then
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'queued', 1)
  redis.call('HINCRBY', KEYS[1], 'registered', 1)
"""
    + _EXPIRE
    + """
  return 'new'
end
return redis.call('HGET', KEYS[2], ARGV[2])
"""
)

# KEYS meta, phase, records; ARGV retention, batch id, lease. 'claimed' or the phase.
_CLAIM: Final = (
    """
local p = redis.call('HGET', KEYS[2], ARGV[2])
if p == 'queued' then
  redis.call('HSET', KEYS[2], ARGV[2], 'sending ' .. ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'queued', -1)
"""
    + _EXPIRE
    + """
  return 'claimed'
end
return p or ''
"""
)

# KEYS meta, phase, records; ARGV retention, batch id, lease, new phase, record.
# Only the claimant (still sending, or presumed lost) may record the outcome.
_FINISH: Final = (
    """
local p = redis.call('HGET', KEYS[2], ARGV[2])
if p ~= 'sending ' .. ARGV[3] and p ~= 'presumed ' .. ARGV[3] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[5])
"""
    + _EXPIRE
    + """
return 1
"""
)

# KEYS meta, phase, records, lease set, queue job key;
# ARGV retention, batch id, expected phase, new phase, record, check, lease.
# check 'job': the batch is queued and its queue job no longer exists.
# check 'lease': the batch is being sent under a lease that is no longer live.
_RESOLVE: Final = (
    """
local p = redis.call('HGET', KEYS[2], ARGV[2])
if p ~= ARGV[3] then return 0 end
if ARGV[6] == 'job' then
  if redis.call('EXISTS', KEYS[5]) == 1 then return 0 end
  redis.call('HINCRBY', KEYS[1], 'queued', -1)
else
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local score = redis.call('ZSCORE', KEYS[4], ARGV[7])
  if score and tonumber(score) > now then return 0 end
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[5])
"""
    + _EXPIRE.replace("#KEYS", "3")
    + """
return 1
"""
)

# KEYS meta, phase, records; ARGV retention, batch id, expected phase, new phase, record.
_UPDATE: Final = (
    """
if redis.call('HGET', KEYS[2], ARGV[2]) ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[5])
"""
    + _EXPIRE
    + """
return 1
"""
)

_CONVERTER: Final = cattrs.Converter(forbid_extra_keys=True)


def encode_record(record: BatchRecord) -> bytes:
    """A batch record as the ledger stores it (JSON)."""
    return orjson.dumps(_CONVERTER.unstructure(record))


def decode_record(raw: bytes | str) -> BatchRecord:
    """A batch record read back from the ledger."""
    try:
        return _CONVERTER.structure(orjson.loads(raw), BatchRecord)
    except (cattrs.BaseValidationError, orjson.JSONDecodeError, ValueError, TypeError) as exc:
        raise ConfigurationError(f"not a batch record: {exc}") from None


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value


@attrs.frozen
class BatchPhase:
    """Where one batch is in the ledger.

    ``name`` is ``queued``, ``sending``, ``done``, ``settled``, ``presumed`` or
    ``void``; ``lease`` is the lease of the worker that claimed it, if any.
    """

    name: str
    lease: str = ""

    @classmethod
    def parse(cls, raw: bytes | str | None) -> BatchPhase:
        """Read a phase as stored (``"sending <lease>"``)."""
        name, _, lease = _text(raw).partition(" ")
        return cls(name, lease)

    def __str__(self) -> str:
        return f"{self.name} {self.lease}" if self.lease else self.name

    @property
    def pending(self) -> bool:
        """Not yet sent, or being sent: no outcome yet."""
        return self.name in (QUEUED, SENDING)

    @property
    def final(self) -> bool:
        """The record will not change any more (barring a lost sender's late answer)."""
        return self.name in (SETTLED, VOID, PRESUMED)


@attrs.frozen
class JobMeta:
    """A queued bulk job's settings and progress counters.

    Attributes:
        job_id: The job's ID.
        campaign_id: Its campaign.
        mailinglist_id: Its mailing list.
        id_send: The ``id_send`` option of its calls.
        created_at: When the producer opened it (wall clock).
        policy: When results polling settles a batch.
        closed_at: When the producer enqueued its last batch, None while it runs.
        batches: Batches the producer made (known once closed).
        recipients: Recipients the producer read (known once closed).
        registered: Batches registered so far.
        queued: Batches registered but not yet claimed by a worker.
        poll_round: The last results-polling round that ran.
        settled_at: When polling found every batch final.
    """

    job_id: str
    campaign_id: int
    mailinglist_id: int
    id_send: str | None
    created_at: float
    policy: SettlePolicy
    closed_at: float | None = None
    batches: int | None = None
    recipients: int | None = None
    registered: int = 0
    queued: int = 0
    poll_round: int = 0
    settled_at: float | None = None

    @property
    def closed(self) -> bool:
        """Whether the producer has enqueued every batch."""
        return self.closed_at is not None


def _optional_float(value: str) -> float | None:
    return float(value) if value else None


def _optional_int(value: str) -> int | None:
    return int(value) if value else None


class JobLedger:
    """Reads and changes the ledger of queued bulk jobs (see the module docstring).

    Built on any ``redis.asyncio.Redis`` (arq's pool is one); every change is atomic.
    """

    def __init__(self, redis: Redis, config: QueueConfig | None = None) -> None:
        self.redis = redis
        self.config = config or QueueConfig()
        self._retention_ms = max(1, int(self.config.retention * 1000))
        self._register = redis.register_script(_REGISTER)
        self._claim = redis.register_script(_CLAIM)
        self._finish = redis.register_script(_FINISH)
        self._resolve = redis.register_script(_RESOLVE)
        self._update = redis.register_script(_UPDATE)

    # -- keys -------------------------------------------------------------------

    def _keys(self, job_id: str) -> list[str]:
        base = self.config.key("job", job_id)
        return [base + ":meta", base + ":phase", base + ":records"]

    # -- the job ------------------------------------------------------------------

    async def open(
        self,
        job_id: str,
        campaign_id: int,
        mailinglist_id: int,
        *,
        id_send: str | None = None,
        policy: SettlePolicy | None = None,
    ) -> JobMeta:
        """Create a job's meta, or return the existing one (a resumed producer).

        ``ConfigurationError`` if a job of that ID exists for another campaign or list.
        """
        meta_key = self._keys(job_id)[0]
        fields = {
            "campaign_id": str(campaign_id),
            "mailinglist_id": str(mailinglist_id),
            "id_send": id_send or "",
            "created_at": repr(time.time()),
            "policy": orjson.dumps(attrs.asdict(policy or SettlePolicy())).decode(),
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            for name, value in fields.items():
                pipe.hsetnx(meta_key, name, value)
            pipe.pexpire(meta_key, self._retention_ms)
            await pipe.execute()
        meta = await self.meta(job_id)
        assert meta is not None
        if (meta.campaign_id, meta.mailinglist_id) != (campaign_id, mailinglist_id):
            raise ConfigurationError(
                f"job {job_id!r} exists for campaign/list {(meta.campaign_id, meta.mailinglist_id)}"
            )
        return meta

    async def meta(self, job_id: str) -> JobMeta | None:
        """The job's settings and counters, or None for an unknown (or expired) job."""
        raw = await self.redis.hgetall(self._keys(job_id)[0])  # type: ignore[misc]
        data = {_text(k): _text(v) for k, v in raw.items()}
        if "campaign_id" not in data:
            return None
        try:
            return JobMeta(
                job_id=job_id,
                campaign_id=int(data["campaign_id"]),
                mailinglist_id=int(data["mailinglist_id"]),
                id_send=data.get("id_send") or None,
                created_at=float(data.get("created_at") or 0.0),
                policy=SettlePolicy(**orjson.loads(data.get("policy") or "{}")),
                closed_at=_optional_float(data.get("closed_at", "")),
                batches=_optional_int(data.get("batches", "")),
                recipients=_optional_int(data.get("recipients", "")),
                registered=int(data.get("registered") or 0),
                queued=int(data.get("queued") or 0),
                poll_round=int(data.get("poll_round") or 0),
                settled_at=_optional_float(data.get("settled_at", "")),
            )
        except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
            raise ConfigurationError(f"job {job_id!r} has unreadable settings: {exc}") from None

    async def close(self, job_id: str, *, batches: int, recipients: int) -> None:
        """Note that the producer has enqueued all ``batches`` (``recipients`` in all)."""
        await self._set_meta(
            job_id,
            {
                "closed_at": repr(time.time()),
                "batches": str(batches),
                "recipients": str(recipients),
            },
        )

    async def start_polling(self, job_id: str) -> bool:
        """Claim the start of results polling: True only for the first caller."""
        started = await self.redis.hsetnx(  # type: ignore[misc]
            self._keys(job_id)[0], "poll_started", "1"
        )
        return bool(started)

    async def note_poll_round(self, job_id: str, round_no: int) -> None:
        """Record the results-polling round that just ran."""
        await self._set_meta(job_id, {"poll_round": str(round_no)})

    async def mark_settled(self, job_id: str) -> None:
        """Record that every batch of the job is final."""
        await self._set_meta(job_id, {"settled_at": repr(time.time())})

    async def _set_meta(self, job_id: str, fields: Mapping[str, str]) -> None:
        meta_key = self._keys(job_id)[0]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(meta_key, mapping=dict(fields))
            pipe.pexpire(meta_key, self._retention_ms)
            await pipe.execute()

    async def delete(self, job_id: str) -> None:
        """Forget the job's ledger (its records are gone for good)."""
        await self.redis.delete(*self._keys(job_id))

    # -- batches ----------------------------------------------------------------------

    async def register(self, job_id: str, spec: BatchSpec) -> BatchPhase | None:
        """Register a batch as ``queued``: None if new, else the phase it already has."""
        record = BatchRecord(
            spec.batch_id,
            spec.campaign_id,
            spec.mailinglist_id,
            NOT_SENT,
            len(spec),
            tuple(spec.addresses),
            reason="queued: not sent yet",
        )
        answer = await self._register(
            keys=self._keys(job_id),
            args=[self._retention_ms, spec.batch_id, encode_record(record)],
        )
        return None if _text(answer) == "new" else BatchPhase.parse(answer)

    async def claim(self, job_id: str, batch_id: str, lease: str) -> BatchPhase | None:
        """Mark a ``queued`` batch as being sent under ``lease``.

        None when claimed (the caller may now send it, once); otherwise the phase that
        stopped the claim. ``ConfigurationError`` for a batch never registered.
        """
        answer = _text(
            await self._claim(keys=self._keys(job_id), args=[self._retention_ms, batch_id, lease])
        )
        if answer == "claimed":
            return None
        if not answer:
            raise ConfigurationError(f"batch {batch_id!r} is not registered in job {job_id!r}")
        return BatchPhase.parse(answer)

    async def finish(self, job_id: str, batch_id: str, lease: str, record: BatchRecord) -> bool:
        """Record the outcome of a batch this lease claimed; False if it was not its to record."""
        phase = BatchPhase(SETTLED if record.settled else DONE, lease)
        done = await self._finish(
            keys=self._keys(job_id),
            args=[self._retention_ms, batch_id, lease, str(phase), encode_record(record)],
        )
        return bool(int(done))

    async def presume_lost(
        self, job_id: str, batch_id: str, lease: str, lease_key: str, record: BatchRecord
    ) -> BatchRecord | None:
        """Mark a batch ``UNKNOWN`` if it is still being sent under a lease no longer live.

        Returns the record written, or None when the lease is live (or the phase moved on).
        """
        unknown = attrs.evolve(
            record,
            status=UNKNOWN,
            reason=(
                "outcome unknown: the worker sending it stopped before recording an answer"
                f" (lease {lease} expired)"
            ),
            sent_at=time.time(),
            settled=True,
            settled_by="final",
        )
        done = await self._resolve(
            keys=[*self._keys(job_id), lease_key, "-"],
            args=[
                self._retention_ms,
                batch_id,
                str(BatchPhase(SENDING, lease)),
                str(BatchPhase(PRESUMED, lease)),
                encode_record(unknown),
                "lease",
                lease,
            ],
        )
        return unknown if int(done) else None

    async def void_orphan(
        self, job_id: str, batch_id: str, queue_job_key: str, record: BatchRecord
    ) -> BatchRecord | None:
        """Mark a ``queued`` batch not sent when its queue job no longer exists.

        Returns the record written, or None when the job exists (or the phase moved on).
        """
        lost = attrs.evolve(
            record,
            status=NOT_SENT,
            reason="not sent: its queue job was lost (expired or failed) before it started",
            sent_at=time.time(),
            settled=True,
            settled_by="final",
        )
        done = await self._resolve(
            keys=[*self._keys(job_id), "-", queue_job_key],
            args=[
                self._retention_ms,
                batch_id,
                QUEUED,
                VOID,
                encode_record(lost),
                "job",
                "",
            ],
        )
        return lost if int(done) else None

    async def update(
        self, job_id: str, batch_id: str, expected: BatchPhase, record: BatchRecord
    ) -> bool:
        """Store a polled record if the batch is still in ``expected``; settle it if final."""
        phase = BatchPhase(SETTLED if record.settled else expected.name, expected.lease)
        done = await self._update(
            keys=self._keys(job_id),
            args=[self._retention_ms, batch_id, str(expected), str(phase), encode_record(record)],
        )
        return bool(int(done))

    # -- reading ------------------------------------------------------------------------

    async def phase(self, job_id: str, batch_id: str) -> BatchPhase | None:
        """One batch's phase, None if it is not registered."""
        raw = await self.redis.hget(self._keys(job_id)[1], batch_id)  # type: ignore[misc]
        return None if raw is None else BatchPhase.parse(raw)

    async def phases(self, job_id: str) -> dict[str, BatchPhase]:
        """Every registered batch's phase, by batch ID."""
        raw = await self.redis.hgetall(self._keys(job_id)[1])  # type: ignore[misc]
        return {_text(k): BatchPhase.parse(v) for k, v in raw.items()}

    async def record(self, job_id: str, batch_id: str) -> BatchRecord | None:
        """One batch's record, None if it is not registered."""
        raw = await self.redis.hget(self._keys(job_id)[2], batch_id)  # type: ignore[misc]
        return None if raw is None else decode_record(raw)

    async def records(self, job_id: str, batch_ids: Sequence[str]) -> list[BatchRecord]:
        """The records of ``batch_ids`` (those registered), in that order."""
        if not batch_ids:
            return []
        raw = await self.redis.hmget(self._keys(job_id)[2], list(batch_ids))  # type: ignore[misc]
        return [decode_record(item) for item in raw if item is not None]

    async def report(self, job_id: str) -> QueueJobReport:
        """The job's accounting now: every registered recipient's outcome, or pending.

        ``ConfigurationError`` for an unknown (or expired) job.
        """
        meta = await self.meta(job_id)
        phases = await self.phases(job_id)
        raw = await self.redis.hgetall(self._keys(job_id)[2])  # type: ignore[misc]
        records = {_text(k): decode_record(v) for k, v in raw.items()}
        if meta is None:
            if not records:
                raise ConfigurationError(f"no queued bulk job {job_id!r} in this Redis")
            # Batches enqueued one by one, without the producer: no settings were saved.
            first = next(iter(records.values()))
            meta = JobMeta(
                job_id, first.campaign_id, first.mailinglist_id, None, 0.0, SettlePolicy()
            )
        done: list[BatchRecord] = []
        pending: list[BatchRecord] = []
        for batch_id in sorted(records):
            phase = phases.get(batch_id, BatchPhase(QUEUED))
            (pending if phase.pending else done).append(records[batch_id])
        state = BulkJobState(
            job_id,
            meta.campaign_id,
            meta.mailinglist_id,
            meta.id_send,
            meta.created_at,
            done,
        )
        return QueueJobReport(
            state=state,
            pending=tuple(pending),
            phases={b: str(p) for b, p in phases.items()},
            closed=meta.closed,
            expected_batches=meta.batches,
            expected_recipients=meta.recipients,
            settled_at=meta.settled_at,
        )


def batch_ids_in(phases: Mapping[str, BatchPhase], names: Iterable[str]) -> list[str]:
    """The batch IDs whose phase is one of ``names``, sorted."""
    wanted = set(names)
    return sorted(b for b, p in phases.items() if p.name in wanted)
