"""The public surface is exactly what ``mailkit_async.__all__`` lists."""

from __future__ import annotations

import mailkit_async
import mailkit_async.models
import mailkit_async.testing


def test_all_is_sorted_and_complete() -> None:
    names = mailkit_async.__all__
    assert names == sorted(names, key=lambda n: (n.startswith("_"), n)) or names == sorted(names)
    public = {
        n
        for n in dir(mailkit_async)
        if not n.startswith("_") and n not in {"models", "testing", "queue"}
    }
    assert public == set(names) - {"__version__"}


def test_every_public_name_has_a_docstring() -> None:
    for module in (mailkit_async, mailkit_async.models, mailkit_async.testing):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) or isinstance(obj, type):
                assert obj.__doc__, f"{module.__name__}.{name} has no docstring"


def test_pinned_entry_points() -> None:
    for name in (
        "MailkitClient",
        "FUNCTIONS",
        "MailkitError",
        "ConfigurationError",
        "RequestNotSentError",
        "OutcomeUnknownError",
        "HTTPStatusError",
        "ProtocolError",
        "APIError",
        "AuthenticationError",
        "DisallowedIPError",
        "InvalidParametersError",
        "NotFoundError",
        "Transport",
    ):
        assert name in mailkit_async.__all__
    assert hasattr(mailkit_async.testing, "MailkitEmulator")
