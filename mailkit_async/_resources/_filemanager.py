"""``client.filemanager``: upload, list and delete files and folders."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Literal

from .._exceptions import ConfigurationError
from .._types import WireValue
from ..models import FileDeleted, FileEntry, FileUpload, UploadedFile
from ..models._files import MAX_NAME_LENGTH
from ._base import Resource, invoke
from ._reshape import answer_text, rows

__all__ = ["FileManagerResource"]

_KINDS = ("file", "dir")


class FileManagerResource(Resource):
    """The file manager: upload, list and delete files and folders (``mailkit.filemanager.*``).

    Mailkit documents these functions for XML-RPC only; over JSON the client sends
    the same names inside ``parameters``, by analogy with the other functions.
    """

    async def upload(self, files: Iterable[FileUpload]) -> builtins.list[UploadedFile]:
        """Upload files, one outcome per file (``mailkit.filemanager.upload``).

        Each outcome has its own status code (``UploadedFile.code``): a refused file
        does not fail the call, and codes 2 (folder not found: stored in the root)
        and 5 (renamed after a name clash) still store the file. Not safe to repeat.

        Raises:
            ConfigurationError: no files, or a name longer than 50 characters.
        """
        structs: builtins.list[WireValue] = []
        for item in files:
            if len(item.name) > MAX_NAME_LENGTH:
                raise ConfigurationError(
                    f"file name {item.name[:20]!r}... is longer than {MAX_NAME_LENGTH} characters",
                    function="mailkit.filemanager.upload",
                )
            structs.append(dict(item.to_wire()))
        if not structs:
            raise ConfigurationError("no files to upload", function="mailkit.filemanager.upload")
        return await invoke(
            self._client,
            "mailkit.filemanager.upload",
            {"files": structs},
            list[UploadedFile],
            adapt=lambda value: rows(value, "files", "data"),
        )

    async def list(self, folder_id: int | None = None) -> builtins.list[FileEntry]:
        """The folders and files in one folder, the root by default (``filemanager.list``).

        Raises ``NotFoundError`` for an unknown folder.
        """
        return await invoke(
            self._client,
            "mailkit.filemanager.list",
            {"ID_folder": folder_id},
            list[FileEntry],
            adapt=lambda value: rows(value, "data"),
        )

    async def delete(self, id: int, *, kind: Literal["file", "dir"]) -> FileDeleted:
        """Delete one file or one empty folder (``mailkit.filemanager.delete``).

        ``kind`` is required: the same number may name a file and a folder, and
        Mailkit deletes whichever ``kind`` says. A folder that still holds entries
        raises ``ConflictError`` ("Directory is not empty"); an unknown ID raises
        ``NotFoundError``. Not safe to repeat.

        Args:
            id: The file's or folder's ID.
            kind: ``"file"`` or ``"dir"``.
        """
        if kind not in _KINDS:
            raise ConfigurationError(
                f"kind must be 'file' or 'dir', not {kind!r}", function="mailkit.filemanager.delete"
            )

        def adapt(value: WireValue) -> WireValue:
            return {"id": id, "kind": kind, "answer": answer_text(value, "DELETED")}

        return await invoke(
            self._client,
            "mailkit.filemanager.delete",
            {"ID_file/ID_folder": id, "file/dir": kind},
            FileDeleted,
            adapt=adapt,
        )
