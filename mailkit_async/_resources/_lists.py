"""``client.mailinglist``: mailing lists and the recipients in them."""

from __future__ import annotations

from .._types import WireValue
from ..models import AddUserResult, MailingList, MailingListCreated, RecipientData
from ..models._common import b64
from ._base import Resource, invoke

__all__ = ["MailingListResource"]


def _adduser_answer(value: WireValue) -> WireValue:
    # DOI answers a bare "Sent subscribe email"; a direct insert answers the record's ID
    # as "ID_email" in JSON but as "data" in XML-RPC.
    if isinstance(value, str):
        return {"confirmation_sent": True}
    if isinstance(value, dict):
        out = dict(value)
        if "data" in out and "ID_email" not in out:
            out["ID_email"] = out.pop("data")
        if out.get("error") == "Sent subscribe email":
            out.pop("error")
            out["confirmation_sent"] = True
        return out
    return value


class MailingListResource(Resource):
    """Mailing lists: list, create, delete, and add, edit or import recipients."""

    async def list(self) -> list[MailingList]:
        """Every mailing list of the account (``mailkit.mailinglist.list``)."""
        return await invoke(self._client, "mailkit.mailinglist.list", {}, list[MailingList])

    async def create(self, name: str, description: str | None = None) -> MailingListCreated:
        """Create an empty mailing list (``mailkit.mailinglist.create``).

        Raises ``ConflictError`` when a list with that name exists.
        """
        return await invoke(
            self._client,
            "mailkit.mailinglist.create",
            {"name": name, "description": description},
            MailingListCreated,
        )

    async def adduser(
        self,
        mailinglist_id: int,
        email: str,
        data: RecipientData | None = None,
        *,
        confirm: bool = False,
        template_id: int | None = None,
        email_from: str | None = None,
        name_from: str | None = None,
        return_url: str | None = None,
        ip_src: str | None = None,
        form_url: str | None = None,
    ) -> AddUserResult:
        """Insert a recipient into a list, or update the record (``mailinglist.adduser``).

        Args:
            mailinglist_id: The list.
            email: The recipient's address (the record's key).
            data: Personal data, address and custom fields (plain text; the library
                base64-encodes it).
            confirm: Double opt-in: send a confirmation e-mail instead of adding the
                recipient at once.
            template_id: The template whose confirmation e-mail is sent.
            email_from: Sender address of the confirmation e-mail.
            name_from: Sender name of the confirmation e-mail.
            return_url: Where the recipient lands after confirming.
            ip_src: IP address of the person who gave consent (evidence).
            form_url: URL of the form where consent was given.
        """
        data = data or RecipientData()
        personal = {"email": email, **data.personal(encode=False)}
        for key, value in (
            ("ID_template", template_id),
            ("email_from", email_from),
            ("name_from", name_from),
            ("return_url", return_url),
        ):
            if value is not None:
                personal[key] = str(value)
        params = {"ip_src": ip_src, "form_url": form_url}
        return await invoke(
            self._client,
            "mailkit.mailinglist.adduser",
            {
                "ID_user_list": mailinglist_id,
                "confirm": confirm,
                "personal": {k: b64(v) for k, v in personal.items()},
                "address": data.address(),
                "custom": data.customs(),
                "params": {k: v for k, v in params.items() if v is not None},
            },
            AddUserResult,
            adapt=_adduser_answer,
        )
