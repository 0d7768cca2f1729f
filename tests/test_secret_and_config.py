"""The redacting secret type, client configuration checks and from_env."""

from __future__ import annotations

import pickle

import pytest

from mailkit_async import ConfigurationError, MailkitClient, Secret, Timeout

MD5 = "5ec7e7c0ffee0123456789abcdef0123"


def test_secret_never_shows() -> None:
    secret = Secret(MD5)
    for text in (str(secret), repr(secret), f"{secret}", f"{secret!r}", format(secret, ">10")):
        assert MD5 not in text
    assert secret.reveal() == MD5
    assert Secret(secret) == secret
    assert hash(Secret(MD5)) == hash(secret)
    assert secret != MD5
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    with pytest.raises(TypeError):
        Secret("")


async def test_client_repr_has_no_secret() -> None:
    client = MailkitClient(12345, MD5)
    assert MD5 not in repr(client)
    assert "12345" in repr(client)
    await client.aclose()
    await client.aclose()
    assert client.closed


@pytest.mark.parametrize("client_id", ["abc", True, 1.5, ""])
def test_bad_client_id(client_id: object) -> None:
    with pytest.raises(ConfigurationError):
        MailkitClient(client_id, MD5)  # type: ignore[arg-type]


def test_plain_http_only_on_loopback_or_opt_in() -> None:
    MailkitClient(1, MD5, base_url="http://127.0.0.1:8080")
    MailkitClient(1, MD5, base_url="http://localhost:8080")
    MailkitClient(1, MD5, base_url="http://[::1]:8080")
    with pytest.raises(ConfigurationError, match="plain HTTP"):
        MailkitClient(1, MD5, base_url="http://api.example.com")
    MailkitClient(1, MD5, base_url="http://api.example.com", allow_http=True)
    with pytest.raises(ConfigurationError, match="https"):
        MailkitClient(1, MD5, base_url="ftp://api.example.com")


def test_bad_transport_and_empty_md5() -> None:
    with pytest.raises(ConfigurationError):
        MailkitClient(1, MD5, transport="soap")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        MailkitClient(1, MD5, transport=object())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        MailkitClient(1, "")


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILKIT_CLIENT_ID", "777")
    monkeypatch.setenv("MAILKIT_CLIENT_MD5", MD5)
    monkeypatch.setenv("MAILKIT_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("MAILKIT_TRANSPORT", "xmlrpc")
    client = MailkitClient.from_env()
    assert client.client_id == 777
    assert client.transport.name == "xmlrpc"
    assert MailkitClient.from_env(transport="json").transport.name == "json"
    monkeypatch.delenv("MAILKIT_CLIENT_MD5")
    with pytest.raises(ConfigurationError, match="MAILKIT_CLIENT_MD5"):
        MailkitClient.from_env()


def test_timeout_validation() -> None:
    with pytest.raises(ValueError, match="positive"):
        Timeout(connect=0)
