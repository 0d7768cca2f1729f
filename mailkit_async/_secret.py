"""A string that never shows itself in reprs, logs or tracebacks."""

from __future__ import annotations

from typing import Final, final

__all__ = ["REDACTED", "Secret"]

REDACTED: Final = "***"


@final
class Secret:
    """Holds ``client_md5``. ``str()``, ``repr()`` and formatting all print ``***``.

    Only the wire encoders call :meth:`reveal`. The object cannot be pickled, so it
    cannot travel into a job queue or a log record by accident.
    """

    __slots__ = ("__value",)

    def __init__(self, value: str | Secret) -> None:
        text = value.reveal() if isinstance(value, Secret) else value
        if not isinstance(text, str) or not text:
            raise TypeError("the secret must be a non-empty string")
        self.__value = text

    def reveal(self) -> str:
        """The secret itself, for the request body only."""
        return self.__value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.reveal() == self.__value

    def __hash__(self) -> int:
        return hash((Secret, self.__value))

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")
