"""File manager inputs and results."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from ._common import b64

__all__ = ["FileDeleted", "FileEntry", "FileUpload", "UploadError", "UploadedFile"]

MAX_NAME_LENGTH = 50
"""The longest file name the file manager stores."""


@attrs.frozen
class FileUpload:
    """One file to upload with ``filemanager.upload``.

    Attributes:
        name: The stored file name (at most 50 characters).
        data: The file's bytes (sent base64-encoded).
        folder_name: The target folder by name; empty for the root. A folder that
            does not exist puts the file in the root (``UploadError.FOLDER_NOT_FOUND``).
        description: A free-text description.
    """

    name: str
    data: bytes
    folder_name: str = ""
    description: str = ""

    def to_wire(self) -> dict[str, str]:
        """The upload struct: every member a string, ``data`` as base64 text."""
        return {
            "folder_name": self.folder_name,
            "name": self.name,
            "data": b64(self.data),
            "description": self.description,
        }


class UploadError(enum.IntEnum):
    """Per-file status codes of ``filemanager.upload`` (the ``ERROR`` member)."""

    OK = 0
    FORBIDDEN_EXTENSION = 1
    """exe, com, bat, pif, reg or dll: not stored."""
    FOLDER_NOT_FOUND = 2
    """The folder does not exist: stored in the root instead."""
    MISSING_DATA = 3
    """No file data: not stored."""
    MISSING_NAME = 4
    """No file name: not stored."""
    RENAMED = 5
    """A file of that name existed: stored under a new name (``name`` != ``name_orig``)."""


_STORED = frozenset({UploadError.OK, UploadError.FOLDER_NOT_FOUND, UploadError.RENAMED})


@attrs.frozen
class UploadedFile:
    """The outcome for one file of a ``filemanager.upload`` call.

    ``error`` stays an int so a code Mailkit adds later never breaks decoding; read
    it through ``code``. Codes 2 and 5 still store the file: check ``stored``.
    """

    error: int
    name: str = ""
    """The name the file was stored under."""
    name_orig: str = ""
    """The name it was uploaded with."""
    id_folder: int = 0
    id_file: int = 0

    @property
    def code(self) -> UploadError | None:
        """``error`` as an ``UploadError``, or None for an undocumented code."""
        try:
            return UploadError(self.error)
        except ValueError:
            return None

    @property
    def stored(self) -> bool:
        """Whether the file was stored (codes 0, 2 and 5)."""
        return self.code in _STORED


@attrs.frozen
class FileEntry:
    """A folder or a file in ``mailkit.filemanager.list``.

    Folders have ``type == "DIR"`` and their own ``id_folder``. Mailkit's page is cut
    before a file entry: files are read leniently, with ``id_file``, ``size``,
    ``description`` and ``url`` filled when they are sent (inferred names).
    """

    name: str
    type: str = ""
    date: datetime | None = None
    id_folder: int | None = None
    id_file: int | None = None
    parent: str = ""
    """The name of the folder holding this entry (empty in the root)."""
    size: int | None = None
    description: str = ""
    url: str = ""

    @property
    def is_dir(self) -> bool:
        """Whether the entry is a folder."""
        return self.type.strip().upper() == "DIR"


@attrs.frozen
class FileDeleted:
    """The acknowledgement of ``filemanager.delete``: Mailkit answered ``"DELETED"``."""

    id: int
    kind: str
    """``"file"`` or ``"dir"``, as the call said."""
    answer: str = "DELETED"
