"""Pure pieces of the bulk engine: recipients, matching, batches, job state, options."""

from __future__ import annotations

import json
import weakref

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailkit_async import (
    BatchSpec,
    BulkJobState,
    BulkOptions,
    ConfigurationError,
    EncodeError,
    MailkitClient,
    Outcome,
    RecipientOutcome,
    SettlePolicy,
)
from mailkit_async._bulk._batch import BatchOutline, outline_of
from mailkit_async._bulk._matching import (
    apply_results,
    record_from_answer,
    results_digest,
    split_duplicates,
)
from mailkit_async._bulk._outcomes import normalize_address
from mailkit_async._bulk._recipients import RecipientPreparer
from mailkit_async._bulk._send import fit_batch
from mailkit_async._bulk._state import ANSWERED, UNKNOWN, BatchRecord, RecipientNote
from mailkit_async.models import MassErrorCode, MassRecipient, MassRecipientError, MassResults

from ._support import collector_off

# -- preparing recipients ------------------------------------------------------------


def test_plain_dict_gets_the_jobs_ids_and_keeps_its_values() -> None:
    preparer = RecipientPreparer(11, 22)
    item = {
        "send_to": "a@example.com",
        "subject": "Hi",
        "create_email": True,
        "customs": {"x": "1"},
    }
    wire, group, size = preparer.prepare(item)
    assert wire == {**item, "campaign_id": 11, "mailinglist_id": 22}
    assert group == (11, 22)
    assert size > 0
    assert item == {
        "send_to": "a@example.com",
        "subject": "Hi",
        "create_email": True,
        "customs": {"x": "1"},
    }


def test_a_dict_may_name_its_own_campaign_and_list() -> None:
    wire, group, _ = RecipientPreparer(11, 22).prepare(
        {"send_to": "a@example.com", "campaign_id": "33", "mailinglist_id": 44}
    )
    assert group == (33, 44)
    assert (wire["campaign_id"], wire["mailinglist_id"]) == (33, 44)


def test_base64_fields_go_through_mass_recipient() -> None:
    wire, _, size = RecipientPreparer(1, 2).prepare(
        {"send_to": "a@example.com", "message_data": "Body", "content": {"var": "x"}}
    )
    assert wire["message_data"] == "Qm9keQ=="
    assert wire["content"] == {"var": "eA=="}
    assert size > 512


def test_mass_recipient_objects_are_accepted() -> None:
    wire, group, _ = RecipientPreparer(1, 2).prepare(
        MassRecipient("a@example.com", subject="S", create_email=False)
    )
    assert wire == {
        "send_to": "a@example.com",
        "mailinglist_id": 2,
        "campaign_id": 1,
        "subject": "S",
        "create_email": False,
    }
    assert group == (1, 2)


def test_prepare_keeps_none_members_for_the_encoder_to_drop() -> None:
    # Like prepare_many: the sendmail_mass rule of every wire leaves them out.
    item = {"send_to": "a@example.com", "subject": None}
    wire, _, _ = RecipientPreparer(1, 2).prepare(item)
    assert wire == {**item, "campaign_id": 1, "mailinglist_id": 2}


@pytest.mark.parametrize(
    "item",
    [
        {"sendto": "a@example.com"},
        {"send_to": 5},
        {"send_to": "a@example.com", "create_email": "TRUE"},
        {"send_to": "a@example.com", "campaign_id": "x"},
        {"send_to": "a@example.com", "mailinglist_id": 0},
        "a@example.com",
        MassRecipient(send_to=None),  # type: ignore[arg-type]
    ],
)
def test_things_that_are_not_recipients_are_refused(item: object) -> None:
    with pytest.raises(ConfigurationError):
        RecipientPreparer(1, 2).prepare(item)


def test_prepare_many_groups_and_checks_like_prepare() -> None:
    preparer = RecipientPreparer(1, 2)
    plain = [{"send_to": f"{n}@example.com", "subject": "S", "customs": {"a": "b"}} for n in "ab"]
    prepared = preparer.prepare_many(plain)
    ((group, wires, size),) = prepared.runs
    assert (group, size, prepared.count, prepared.error) == ((1, 2), preparer.base_size, 2, None)
    assert wires == [preparer.prepare(item)[0] for item in plain]
    assert all(wire is not item for wire, item in zip(wires, plain, strict=True))

    chunk = [
        {"send_to": "a@example.com"},
        {"send_to": "b@example.com", "campaign_id": 7},
        MassRecipient("c@example.com"),
        {"send_to": "d@example.com", "message_data": "x"},
        {"send_to": "e@example.com", "subject": None},
    ]
    prepared = preparer.prepare_many(chunk)
    assert (prepared.count, prepared.error) == (5, None)
    by_group: dict[tuple[int, int], list[str]] = {}
    for group, wires, size in prepared.runs:
        by_group.setdefault(group, []).extend(w["send_to"] for w in wires)
        # A plain dict costs the learned base size; other recipients add their payload.
        if wires[0]["send_to"] == "a@example.com":
            assert size == preparer.base_size
        if wires[0]["send_to"] == "d@example.com":
            assert size > preparer.base_size
    assert by_group == {
        (1, 2): ["a@example.com", "c@example.com", "d@example.com", "e@example.com"],
        (7, 2): ["b@example.com"],
    }
    runs = prepared.runs
    assert [w for _, wires, _ in runs for w in wires if w["send_to"] == "e@example.com"] == [
        {"send_to": "e@example.com", "subject": None, "campaign_id": 1, "mailinglist_id": 2}
    ]


@pytest.mark.parametrize(
    "bad",
    [
        {"send_to": "x@example.com", "bogus": 1},
        {"send_to": "x@example.com", "create_email": "TRUE"},
        {"send_to": "x@example.com", "campaign_id": "x"},
    ],
)
def test_prepare_many_stops_at_the_first_bad_recipient(bad: dict[str, object]) -> None:
    preparer = RecipientPreparer(1, 2)
    rows = [{"send_to": "a@example.com"}, {"send_to": "b@x.cz"}, bad, {"send_to": "c@x.cz"}]
    prepared = preparer.prepare_many(rows)
    assert isinstance(prepared.error, ConfigurationError)
    assert [w["send_to"] for _, wires, _ in prepared.runs for w in wires] == [
        "a@example.com",
        "b@x.cz",
    ]
    assert prepared.count == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"subject": "no address"},
        {"send_to": None},
        {"send_to": "x@example.com", "create_email": 1},
        {"send_to": "x@example.com", "custom": {"first_name": "Jan"}},
        ["x@example.com"],
    ],
)
def test_prepare_many_checks_every_plain_dict(bad: object) -> None:
    """The one-pass check of plain dicts refuses what ``prepare`` refuses."""
    preparer = RecipientPreparer(1, 2)
    with pytest.raises(ConfigurationError):
        preparer.prepare(bad)
    prepared = preparer.prepare_many([{"send_to": "a@example.com"}, bad])
    assert isinstance(prepared.error, ConfigurationError)
    assert prepared.count == 1


def test_prepare_many_keeps_none_members_for_the_encoder_to_drop() -> None:
    preparer = RecipientPreparer(1, 2)
    rows = [{"send_to": "a@example.com", "subject": None, "create_email": None}]
    ((_, wires, _),) = preparer.prepare_many(rows).runs
    assert wires == [{**rows[0], "campaign_id": 1, "mailinglist_id": 2}]


# -- matching --------------------------------------------------------------------------


def test_split_duplicates_keeps_each_address_once_per_part() -> None:
    assert split_duplicates(["a@x.cz", "b@x.cz"]) is None
    assert split_duplicates([]) is None
    parts = split_duplicates(["a@x.cz", "b@x.cz", " A@X.cz", "c@x.cz", "a@x.cz"])
    assert parts == [[0, 1, 3], [2], [4]]


@pytest.mark.parametrize(
    ("addresses", "parts"),
    [
        (["a@x.cz", "A@x.cz"], [[0], [1]]),
        (["a@x.cz", "a@x.cz "], [[0], [1]]),
        (["a@x.cz", "\ta@x.cz"], [[0], [1]]),
        (["\u00ff@x.cz", "\u0178@x.cz"], [[0], [1]]),  # y with diaeresis, both cases
        (["a b@x.cz", "a b@x.cz"], [[0], [1]]),
        (["a b@x.cz", "a c@x.cz"], None),
        (["a@x.cz", "a@x.cz\x00"], None),
        (["\u03a3@x.cz", "\u03c3@x.cz"], [[0], [1]]),  # capital and small sigma
    ],
)
def test_split_duplicates_normalises_like_normalize_address(
    addresses: list[str], parts: list[list[int]] | None
) -> None:
    # The quick path for distinct, already normalised addresses must agree with the
    # definition: addresses equal after normalize_address are duplicates.
    keys = [normalize_address(a) for a in addresses]
    assert (len(set(keys)) == len(keys)) == (parts is None)
    assert split_duplicates(addresses) == parts


@given(st.lists(st.text(alphabet="aAb\u03a3\u03c3\u03c2 \t\x00@", max_size=4), max_size=8))
def test_split_duplicates_agrees_with_normalize_address(addresses: list[str]) -> None:
    keys = [normalize_address(a) for a in addresses]
    parts = split_duplicates(addresses)
    assert (parts is None) == (len(set(keys)) == len(keys))
    if parts is not None:
        assert sorted(i for part in parts for i in part) == list(range(len(addresses)))
        assert all(len({keys[i] for i in part}) == len(part) for part in parts)


def _outline(*addresses: str) -> BatchOutline:
    return outline_of(BatchSpec.build("job-00001", 1, 2, [{"send_to": a} for a in addresses]))


def test_answer_in_a_different_order_and_case_accepts_by_address() -> None:
    outline = _outline("a@x.cz", "B@x.cz", "c@x.cz")
    record = record_from_answer(
        outline, {"list": ["C@X.CZ", "a@x.cz", "b@x.cz"], "data": "OK", "request_id": "77"}, 1.0
    )
    assert record.status == ANSWERED
    assert record.request_id == 77
    assert [o.state for o in record.outcomes()] == [Outcome.ACCEPTED] * 3


def test_address_missing_from_the_list_is_unknown_with_a_reason() -> None:
    outline = _outline("a@x.cz", "b@x.cz")
    record = record_from_answer(outline, {"list": ["b@x.cz"], "data": "OK", "request_id": 5}, 1.0)
    outcomes = {o.send_to: o for o in record.outcomes()}
    assert outcomes["a@x.cz"].state is Outcome.UNKNOWN
    assert "not in the list" in outcomes["a@x.cz"].info
    assert outcomes["b@x.cz"].state is Outcome.ACCEPTED
    assert record.counts() == (1, 0, 1)


@pytest.mark.parametrize(
    "answer",
    [{"data": "OK", "request_id": 5}, {"list": ["a@x.cz"], "data": "WAIT"}, "OK", None],
)
def test_an_answer_without_a_usable_list_leaves_everyone_unknown(answer: object) -> None:
    record = record_from_answer(_outline("a@x.cz"), answer, 1.0)  # type: ignore[arg-type]
    assert record.status == UNKNOWN
    assert record.counts() == (0, 0, 1)


def test_results_reject_by_address_and_never_by_position() -> None:
    record = record_from_answer(
        _outline("a@x.cz", "b@x.cz", "c@x.cz"),
        {"list": ["a@x.cz", "b@x.cz", "c@x.cz"], "data": "OK", "request_id": 5},
        1.0,
    )
    results = MassResults(
        "ERROR",
        (
            MassRecipientError("C@x.cz", 6, "unsubscribed email", id_send=900),
            MassRecipientError("a@x.cz", 2, "invalid email"),
            MassRecipientError("stranger@x.cz", 2, "not ours"),
        ),
    )
    assert apply_results(record, results) is True
    outcomes = {o.send_to: o for o in record.outcomes()}
    assert outcomes["c@x.cz"].state is Outcome.REJECTED
    assert outcomes["c@x.cz"].reason is MassErrorCode.UNSUBSCRIBED
    assert outcomes["a@x.cz"].error_code == 2
    assert outcomes["b@x.cz"].state is Outcome.ACCEPTED
    assert record.id_send == 900
    assert "stranger@x.cz" not in {o.send_to.lower() for o in record.outcomes()}
    assert apply_results(record, results) is False  # the same answer changes nothing


def test_results_digest_ignores_row_order_but_not_content() -> None:
    row_a = MassRecipientError("a@x.cz", 2, "x")
    row_b = MassRecipientError("b@x.cz", 6, "y")
    assert results_digest(MassResults("ERROR", (row_a, row_b))) == results_digest(
        MassResults("ERROR", (row_b, row_a))
    )
    assert results_digest(MassResults("OK")) != results_digest(MassResults("ERROR", (row_a,)))


# -- batches, state and options ------------------------------------------------------------


def test_batch_spec_round_trips_through_json() -> None:
    spec = BatchSpec.build(
        "j-1",
        3,
        4,
        [MassRecipient("a@x.cz", message_data=b"\x00\x01"), {"send_to": "b@x.cz"}],
        id_send="today",
    )
    again = BatchSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    assert again.params()["options"] == {"id_send": "today"}
    assert again.addresses == ["a@x.cz", "b@x.cz"]


def test_a_batch_outline_keeps_what_accounting_needs_and_no_structs() -> None:
    spec = BatchSpec.build(
        "j-2", 3, 4, [{"send_to": "a@x.cz", "subject": "Hi"}, {"send_to": "b@x.cz"}]
    )
    outline = outline_of(spec)
    assert outline == BatchOutline("j-2", 3, 4, ("a@x.cz", "b@x.cz"))
    assert len(outline) == len(spec) == 2
    assert not hasattr(outline, "recipients")
    record = record_from_answer(outline, {"list": ["a@x.cz", "b@x.cz"], "data": "OK"}, 1.0)
    assert (record.batch_id, record.campaign_id, record.mailinglist_id) == ("j-2", 3, 4)
    assert record.recipients == ("a@x.cz", "b@x.cz")


def test_batch_spec_refuses_other_campaigns_and_garbage() -> None:
    with pytest.raises(ConfigurationError):
        BatchSpec.build("j-1", 3, 4, [{"send_to": "a@x.cz", "campaign_id": 5}])
    with pytest.raises(ConfigurationError):
        BatchSpec.from_dict({"batch_id": "x", "campaign_id": 1, "mailinglist_id": 2})
    with pytest.raises(ConfigurationError):
        BatchSpec.from_dict(
            {"batch_id": "x", "campaign_id": 1, "mailinglist_id": 2, "recipients": [{}]}
        )


def test_job_state_round_trips_through_json_and_holds_no_secret() -> None:
    state = BulkJobState.new(3, 4, id_send="today")
    state.batches.append(
        BatchRecord(
            f"{state.job_id}-00001",
            3,
            4,
            "answered",
            3,
            ("a@x.cz", "b@x.cz", "c@x.cz"),
            request_id=7001,
            sent_at=1_700_000_000.5,
            notes={"b@x.cz": RecipientNote("b@x.cz", Outcome.REJECTED, 6, "unsubscribed")},
            polls=2,
            digest="abc",
            stable_polls=1,
            stable_since=1_700_000_100.0,
        )
    )
    state.batches.append(
        BatchRecord(f"{state.job_id}-00002", 3, 4, "unknown", 1, ("d@x.cz",), reason="lost")
    )
    text = json.dumps(state.to_dict())
    again = BulkJobState.from_dict(json.loads(text))
    assert again == state
    assert again.counts() == {Outcome.ACCEPTED: 2, Outcome.REJECTED: 1, Outcome.UNKNOWN: 1}
    assert "md5" not in text


def test_job_state_refuses_other_formats() -> None:
    data = BulkJobState.new(1, 2).to_dict()
    with pytest.raises(ConfigurationError):
        BulkJobState.from_dict({**data, "format": 99})
    with pytest.raises(ConfigurationError):
        BulkJobState.from_dict({**data, "batches": [{"batch_id": 1}]})


def test_outcome_reason_maps_known_codes_only() -> None:
    outcome = RecipientOutcome("a@x.cz", Outcome.REJECTED, "b", 1, 2, error_code=4)
    assert outcome.reason is MassErrorCode.INVALID_MAILINGLIST
    assert RecipientOutcome("a@x.cz", Outcome.REJECTED, "b", 1, 2, error_code=99).reason is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_batch_recipients": 0},
        {"max_in_flight": 0},
        {"linger": -1.0},
        {"max_queued": 10, "max_batch_recipients": 20},
        {"on_error": "explode"},
    ],
)
def test_bad_options_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - attrs validators raise plain ValueError
        BulkOptions(**kwargs)  # type: ignore[arg-type]


def test_settle_policy_needs_sane_numbers() -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        SettlePolicy(stable_polls=0)
    assert BulkOptions().queue_capacity == 1000
    assert BulkOptions().settle.first_delay == 1800.0


async def test_client_bulk_checks_its_options() -> None:
    async with MailkitClient(1, "secret", base_url="http://127.0.0.1:9") as client:
        sender = client.bulk(1, 2, max_in_flight=2, id_send="today")
        assert sender.options.max_in_flight == 2
        assert sender.options.id_send == "today"
        for bad in ({"no_such_option": 1}, {"max_in_flight": 0}, {"max_in_flight": 1000}):
            with pytest.raises(ConfigurationError):
                client.bulk(1, 2, **bad)
        with pytest.raises(ConfigurationError):
            client.bulk(0, 2)


# -- fitting batches into the size limit ----------------------------------------------------------


def offline_client(transport: str) -> MailkitClient:
    """A client for encoding only: nothing listens at its address."""
    return MailkitClient(
        1,
        "secret",
        transport=transport,  # type: ignore[arg-type]
        base_url="http://127.0.0.1:9",
    )


def forty_recipients() -> BatchSpec:
    """A 40-recipient batch of plain addresses."""
    return BatchSpec.build("j-1", 1, 2, [{"send_to": f"u{i}@x.cz"} for i in range(40)])


@pytest.mark.parametrize("transport", ["json", "xmlrpc"])
async def test_fit_batch_splits_by_encoded_size(transport: str) -> None:
    async with offline_client(transport) as client:
        spec = forty_recipients()
        whole = fit_batch(client, spec, 10**9)
        assert len(whole) == 1
        assert whole[0].body is not None
        limit = len(whole[0].body) // 3
        parts = fit_batch(client, spec, limit)
        assert len(parts) > 1
        assert all(p.body is not None and len(p.body) <= limit for p in parts)
        assert [a for p in parts for a in p.spec.addresses] == spec.addresses
        assert len({p.spec.batch_id for p in parts}) == len(parts)


async def test_fit_batch_leaves_no_reference_cycle_behind(transport: str) -> None:
    # Reference counting alone must free a batch once its parts are dropped; a cycle
    # would keep every struct and body alive until the garbage collector runs.
    async with offline_client(transport) as client:
        spec = forty_recipients()
        whole = fit_batch(client, spec, 10**9)
        assert whole[0].body is not None
        limit = len(whole[0].body) // 3
        with collector_off():
            freed = weakref.ref(spec)
            parts = fit_batch(client, spec, limit)
            assert len(parts) > 1
            del spec, whole, parts
            assert freed() is None


async def test_fit_batch_keeps_no_batch_alive_through_an_encoding_error(transport: str) -> None:
    # The error of a recipient the wire cannot carry must not hold the frames (and so
    # the structs) of the batch it was cut from.
    async with offline_client(transport) as client:
        recipients: list[dict[str, object]] = [{"send_to": f"u{i}@x.cz"} for i in range(8)]
        recipients[5]["customs"] = {"n": float("nan")}
        spec = BatchSpec.build("j-1", 1, 2, recipients)
        del recipients
        with collector_off():
            freed = weakref.ref(spec)
            parts = fit_batch(client, spec, 10**9)
            errors = [p.error for p in parts if p.error is not None]
            assert len(errors) == 1
            del spec, parts
            assert freed() is None
            assert errors[0] is not None
            assert "nan" in errors[0].message.lower()


async def test_fit_batch_isolates_a_recipient_the_wire_cannot_carry() -> None:
    async with offline_client("xmlrpc") as client:
        recipients = [{"send_to": f"u{i}@x.cz"} for i in range(8)]
        recipients[5]["subject"] = "bad \x01 control character"
        parts = fit_batch(client, BatchSpec.build("j-1", 1, 2, recipients), 10**9)
        failed = [p for p in parts if p.error is not None]
        assert [p.spec.addresses for p in failed] == [["u5@x.cz"]]
        assert isinstance(failed[0].error, EncodeError)
        sent = [a for p in parts if p.body is not None for a in p.spec.addresses]
        assert sent == [r["send_to"] for i, r in enumerate(recipients) if i != 5]


def test_batch_record_views_for_every_status() -> None:
    for status, state, sent in (
        ("refused", Outcome.REJECTED, True),
        ("not_sent", Outcome.REJECTED, False),
        ("unknown", Outcome.UNKNOWN, True),
    ):
        record = BatchRecord("b", 1, 2, status, 1, ("a@x.cz",), reason="why")  # type: ignore[arg-type]
        (outcome,) = record.outcomes()
        assert (outcome.state, outcome.sent, outcome.info) == (state, sent, "why")
    answered = BatchRecord(
        "b",
        1,
        2,
        "answered",
        3,
        (),
        notes={"x@x.cz": RecipientNote("X@x.cz", Outcome.REJECTED, 2, "bad")},
    )
    assert [o.send_to for o in answered.outcomes()] == ["X@x.cz"]
    assert answered.counts() == (2, 1, 0)
