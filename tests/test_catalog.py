"""FUNCTIONS covers every documented Mailkit function, each with a typed method and both layouts."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from mailkit_async import FUNCTIONS, MailkitClient
from mailkit_async._spec import Fixed, Group

# The API menu of Mailkit's documentation (reference/seeds/000_*), with the timezones
# function under its real, plural name. The Event API is a website script and REST
# service, not an XML-RPC/JSON function, and is out of scope.
DOCUMENTED = [
    "mailkit.campaigns.list",
    "mailkit.campaigns.create",
    "mailkit.campaigns.update",
    "mailkit.campaigns.single.schedule",
    "mailkit.campaigns.schedule.list",
    "mailkit.campaigns.schedule.timezones",
    "mailkit.campaigns.schedule.cancel",
    "mailkit.campaigns.messages",
    "mailkit.campaigns.messages.last",
    "mailkit.campaigns.messages.test",
    "mailkit.campaigns.history",
    "mailkit.mailinglist.list",
    "mailkit.mailinglist.create",
    "mailkit.mailinglist.delete",
    "mailkit.mailinglist.adduser",
    "mailkit.mailinglist.edituser",
    "mailkit.mailinglist.import",
    "mailkit.mailinglist.getstatus",
    "mailkit.mailinglist.unsubscribed",
    "mailkit.mailinglist.engagement",
    "mailkit.email.getstatus",
    "mailkit.email.getstatus.history",
    "mailkit.email.move",
    "mailkit.email.delete",
    "mailkit.email.unsubscribe",
    "mailkit.email.unsubscribe.getstatus",
    "mailkit.email.revalidate",
    "mailkit.email.topics",
    "mailkit.email.wipe",
    "mailkit.sendmail",
    "mailkit.sendmail_mass",
    "mailkit.sendmail_mass.results",
    "mailkit.sendsms",
    "mailkit.report",
    "mailkit.report.campaign",
    "mailkit.report.message",
    "mailkit.report.message.recipients",
    "mailkit.report.message.feedback",
    "mailkit.report.message.links",
    "mailkit.report.message.links.visitors",
    "mailkit.report.message.bounces",
    "mailkit.report.raw.messages",
    "mailkit.report.raw.bounces",
    "mailkit.report.raw.responses",
    "mailkit.profile.emails.list",
    "mailkit.profile.queries.list",
    "mailkit.filemanager.upload",
    "mailkit.filemanager.list",
    "mailkit.filemanager.delete",
]

CLIENT_LEVEL = {"sendmail", "sendmail_mass", "sendmail_mass_results", "sendsms"}


def expected_method(function: str) -> str:
    """The naming rule: drop 'mailkit.', first segment = namespace, rest joined by '_'."""
    if function == "mailkit.report":
        return "report.overview"
    head, *rest = function.removeprefix("mailkit.").split(".")
    name = "_".join(rest)
    if not rest or head + ("_" + name if name else "") in CLIENT_LEVEL:
        return head + ("_" + name if name else "")
    if name == "import":
        name = "import_"
    return f"{head}.{name}"


def test_every_documented_function_is_catalogued() -> None:
    assert sorted(set(DOCUMENTED) - set(FUNCTIONS)) == []
    assert len(DOCUMENTED) == 49


def test_the_catalogue_is_read_only() -> None:
    with pytest.raises(TypeError):
        FUNCTIONS["mailkit.x"] = FUNCTIONS["mailkit.campaigns.list"]  # type: ignore[index]


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_typed_method_follows_the_naming_rule_and_exists(function: str) -> None:
    spec = FUNCTIONS[function]
    assert spec.method == expected_method(function)
    client = MailkitClient(1, "secret")
    owner = getattr(client, spec.namespace) if spec.namespace else client
    method = getattr(owner, spec.method_name)
    assert inspect.iscoroutinefunction(method)
    assert method.__doc__, f"{spec.method} has no docstring"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_both_wire_layouts_are_complete(function: str) -> None:
    spec = FUNCTIONS[function]
    names = {p.name for p in spec.params}
    placed: list[str] = []
    for slot in spec.xml_slots:
        if isinstance(slot, Group):
            placed.extend(slot.members)
        elif not isinstance(slot, Fixed):
            placed.append(slot)
    # every XML-RPC slot names a documented parameter, and none is placed twice
    assert set(placed) <= names
    assert len(placed) == len(set(placed))
    assert spec.category
    assert spec.name.startswith("mailkit.")


def test_readme_reference_table_lists_every_function() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    rows = {
        m.group(1): (m.group(2), m.group(3))
        for m in re.finditer(
            r"^\| `(mailkit[\w.]*)` \| `client\.([\w.]+)\(\)` \| (yes|no) \|", readme, re.M
        )
    }
    for function, spec in FUNCTIONS.items():
        assert function in rows, f"README table misses {function}"
        method, safe = rows[function]
        assert method == spec.method
        assert safe == ("yes" if spec.idempotent else "no")


def test_readme_table_is_current() -> None:
    from ._readme import README, rendered

    text = README.read_text(encoding="utf-8")
    assert rendered(text) == text, "run: python -m tests._readme"
