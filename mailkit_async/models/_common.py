"""Value types shared by several API areas."""

from __future__ import annotations

import base64

import attrs

__all__ = ["Attachment", "ProfileFields", "RecipientData", "b64", "wire"]


def wire(name: str) -> dict[str, str]:
    """Field metadata naming the wire key when it is not the upper-cased field name."""
    return {"wire": name}


def b64(text: str | bytes) -> str:
    """Base64 text of UTF-8 text or raw bytes, as Mailkit wants for encoded fields."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return base64.b64encode(raw).decode("ascii")


@attrs.frozen
class Attachment:
    """A file attached to a message: by ``url`` (which wins) or by inline ``data``.

    Mailkit only attaches files to transactional campaigns; on any other campaign a
    message with an attachment is not sent.
    """

    name: str | None = None
    url: str | None = None
    data: bytes | None = None

    def to_wire(self) -> dict[str, str]:
        """The attachment struct, with ``data`` base64-encoded."""
        out: dict[str, str] = {}
        if self.url is not None:
            out["url"] = self.url
        if self.name is not None:
            out["name"] = self.name
        if self.data is not None:
            out["data"] = b64(self.data)
        return out


_PERSONAL = ("first_name", "last_name", "vocative", "prefix", "reply_to", "company", "status")
_ADDRESS = (
    "nick_name",
    "street",
    "city",
    "state",
    "country",
    "zip",
    "phone",
    "mobile",
    "fax",
    "gender",
)


@attrs.frozen
class RecipientData:
    """A recipient's profile: personal data, address and custom fields 1-25.

    Values are plain text; the library base64-encodes them where Mailkit wants it.
    ``custom`` maps a field number (1-25) or name (``"custom3"``) to its value.
    """

    first_name: str | None = None
    last_name: str | None = None
    vocative: str | None = None
    prefix: str | None = None
    reply_to: str | None = None
    company: str | None = None
    status: str | None = None
    nick_name: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    zip: str | None = None
    phone: str | None = None
    mobile: str | None = None
    fax: str | None = None
    gender: str | None = None
    custom: dict[int | str, str] = attrs.field(factory=dict)

    def personal(self, *, encode: bool = True) -> dict[str, str]:
        """The personal block (first_name, last_name, ..., status)."""
        return self._block(_PERSONAL, encode)

    def address(self, *, encode: bool = True) -> dict[str, str]:
        """The address/contact block (street, city, ..., gender)."""
        return self._block(_ADDRESS, encode)

    def customs(self, *, encode: bool = True) -> dict[str, str]:
        """The custom fields as ``custom1`` .. ``custom25``."""
        out: dict[str, str] = {}
        for key, value in self.custom.items():
            name = f"custom{key}" if isinstance(key, int) else str(key)
            number = name.removeprefix("custom")
            if not number.isdigit() or not 1 <= int(number) <= 25:
                raise ValueError(f"custom fields are custom1..custom25, not {name!r}")
            out[name] = b64(value) if encode else value
        return out

    def _block(self, names: tuple[str, ...], encode: bool) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in names:
            value = getattr(self, name)
            if value is not None:
                out[name] = b64(value) if encode else value
        return out


@attrs.frozen(kw_only=True)
class ProfileFields:
    """A recipient's stored profile as Mailkit reports it: text fields, ``""`` when unset.

    Custom fields arrive as ``CUSTOM_1`` .. ``CUSTOM_25`` (``custom`` gathers the ones
    that are set). ``to_data()`` gives a ``RecipientData`` for editing the record.
    """

    vocative: str = ""
    prefix: str = ""
    first_name: str = ""
    last_name: str = ""
    nick_name: str = ""
    gender: str = ""
    company: str = ""
    reply_to: str = ""
    phone: str = ""
    mobile: str = ""
    fax: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    country: str = ""
    zip: str = ""
    custom_1: str = ""
    custom_2: str = ""
    custom_3: str = ""
    custom_4: str = ""
    custom_5: str = ""
    custom_6: str = ""
    custom_7: str = ""
    custom_8: str = ""
    custom_9: str = ""
    custom_10: str = ""
    custom_11: str = ""
    custom_12: str = ""
    custom_13: str = ""
    custom_14: str = ""
    custom_15: str = ""
    custom_16: str = ""
    custom_17: str = ""
    custom_18: str = ""
    custom_19: str = ""
    custom_20: str = ""
    custom_21: str = ""
    custom_22: str = ""
    custom_23: str = ""
    custom_24: str = ""
    custom_25: str = ""

    @property
    def custom(self) -> dict[int, str]:
        """The custom fields that hold a value, by number (1-25)."""
        values = ((n, getattr(self, f"custom_{n}")) for n in range(1, 26))
        return {n: v for n, v in values if v}

    def to_data(self) -> RecipientData:
        """The set fields as ``RecipientData`` (for ``edituser`` or ``adduser``)."""
        names = [f.name for f in attrs.fields(RecipientData) if f.name not in ("custom", "status")]
        values = {n: getattr(self, n) or None for n in names}
        custom: dict[int | str, str] = {}
        custom.update(self.custom.items())
        return RecipientData(**values, custom=custom)
