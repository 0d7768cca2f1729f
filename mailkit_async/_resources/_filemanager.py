"""``client.filemanager``: The file manager: upload, list and delete files and folders (``mailkit.filemanager.*``)."""

from __future__ import annotations

from ._base import Resource

__all__ = ["FileManagerResource"]


class FileManagerResource(Resource):
    """The file manager: upload, list and delete files and folders (``mailkit.filemanager.*``)."""
