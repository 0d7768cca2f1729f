"""Emulator handlers for the file manager: upload, list and delete.

Mailkit documents these for XML-RPC only; the emulator answers JSON calls with the
same trees. File entries of ``filemanager.list`` are inferred (the page is cut
before one): TYPE ``"FILE"`` with ID_FILE, SIZE, DESCRIPTION and URL.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Final

from ._handlers_base import Answer, CallError, handler, to_int, to_text
from ._state import EmulatorState, FileEntry, mailkit_date

__all__ = ["FORBIDDEN_EXTENSIONS"]

FORBIDDEN_EXTENSIONS: Final = frozenset({"exe", "com", "bat", "pif", "reg", "dll"})
"""Extensions the file manager refuses (``ERROR 1``)."""

OK: Final = 0
FORBIDDEN: Final = 1
NO_FOLDER: Final = 2
NO_DATA: Final = 3
NO_NAME: Final = 4
RENAMED: Final = 5


def _data(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    try:
        return base64.b64decode(to_text(value), validate=True)
    except (binascii.Error, ValueError):
        return b""


def _folder_named(state: EmulatorState, name: str) -> FileEntry | None:
    return next((f for f in state.files.values() if f.is_dir and f.name == name), None)


def _free_name(state: EmulatorState, folder_id: int, name: str) -> str:
    """``name``, or ``stem_1.ext``, ``stem_2.ext``... when a file of that name exists."""
    taken = {f.name for f in state.files_in(folder_id) if not f.is_dir}
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    counter = 1
    while True:
        candidate = f"{stem}_{counter}{dot}{ext}"
        if candidate not in taken:
            return candidate
        counter += 1


def _upload_one(state: EmulatorState, item: Mapping[str, object]) -> dict[str, object]:
    name = to_text(item.get("name"))
    data = _data(item.get("data"))
    outcome: dict[str, object] = {
        "ERROR": OK,
        "NAME": name,
        "NAME_ORIG": name,
        "ID_FOLDER": 0,
        "ID_FILE": 0,
    }
    if not name:
        return {**outcome, "ERROR": NO_NAME}
    if not data:
        return {**outcome, "ERROR": NO_DATA}
    if "." in name and name.rpartition(".")[2].lower() in FORBIDDEN_EXTENSIONS:
        return {**outcome, "ERROR": FORBIDDEN}
    code = OK
    folder_id = 0
    folder_name = to_text(item.get("folder_name"))
    if folder_name:
        folder = _folder_named(state, folder_name)
        if folder is None:
            code = NO_FOLDER  # the file still goes in, to the root
        else:
            folder_id = folder.id
    stored_name = _free_name(state, folder_id, name)
    if stored_name != name and code == OK:
        code = RENAMED
    entry = state.add_file(stored_name, data, folder_id=folder_id)
    entry.description = to_text(item.get("description"))
    return {
        **outcome,
        "ERROR": code,
        "NAME": stored_name,
        "ID_FOLDER": folder_id,
        "ID_FILE": entry.id,
    }


@handler("mailkit.filemanager.upload")
def filemanager_upload(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Store each file; one ``{ERROR, NAME, NAME_ORIG, ID_FOLDER, ID_FILE}`` per file.

    ERROR 1 forbidden extension, 2 folder not found (stored in the root), 3 no data,
    4 no name, 5 renamed after a clash (stored). An empty call answers "Missing files"
    (inferred).
    """
    files = params.get("files")
    if not isinstance(files, list) or not files:
        raise CallError("Missing files")
    return Answer.value([_upload_one(state, f if isinstance(f, Mapping) else {}) for f in files])


def _folder_id(state: EmulatorState, raw: object) -> int:
    if raw is None or to_text(raw) in ("", "0"):
        return 0
    folder_id = to_int(raw)
    folder = state.files.get(folder_id) if folder_id is not None else None
    if folder is None or not folder.is_dir:
        raise CallError("Invalid ID_folder")
    return folder.id


def _entry_row(state: EmulatorState, entry: FileEntry) -> dict[str, object]:
    parent = state.files.get(entry.folder_id)
    row: dict[str, object] = {
        "NAME": entry.name,
        "DATE": mailkit_date(entry.created),
        "PARENT": parent.name if parent is not None else "",
    }
    if entry.is_dir:
        return {**row, "ID_FOLDER": entry.id, "TYPE": "DIR"}
    return {
        **row,
        "ID_FILE": entry.id,
        "TYPE": "FILE",
        "SIZE": entry.size,
        "DESCRIPTION": entry.description,
        "URL": f"https://img.mailkit.eu/files/{entry.id}/{entry.name}",
    }


@handler("mailkit.filemanager.list")
def filemanager_list(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Folders, then files, directly inside ``ID_folder`` (the root when empty)."""
    folder_id = _folder_id(state, params.get("ID_folder"))
    entries = sorted(state.files_in(folder_id), key=lambda f: (not f.is_dir, f.id))
    return Answer.value([_entry_row(state, e) for e in entries])


@handler("mailkit.filemanager.delete")
def filemanager_delete(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Delete a file or an empty folder; answers "DELETED".

    Errors: "Invalid ID_file", "Invalid ID_folder", "Directory is not empty"; a kind
    other than file/dir answers "Missing file/dir" (inferred).
    """
    kind = to_text(params.get("file/dir")).lower()
    if kind not in ("file", "dir"):
        raise CallError("Missing file/dir")
    entry_id = to_int(params.get("ID_file/ID_folder"))
    entry = state.files.get(entry_id) if entry_id is not None else None
    if kind == "file" and (entry is None or entry.is_dir):
        raise CallError("Invalid ID_file")
    if kind == "dir" and (entry is None or not entry.is_dir):
        raise CallError("Invalid ID_folder")
    assert entry is not None
    if entry.is_dir and any(True for _ in state.files_in(entry.id)):
        raise CallError("Directory is not empty")
    del state.files[entry.id]
    return Answer.per_wire(json={"error_status": 0, "error": "DELETED"}, xml="DELETED")
