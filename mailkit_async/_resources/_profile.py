"""``client.profile``: Account profile: sender addresses and saved recipient queries (``mailkit.profile.*``)."""

from __future__ import annotations

from ._base import Resource

__all__ = ["ProfileResource"]


class ProfileResource(Resource):
    """Account profile: sender addresses and saved recipient queries (``mailkit.profile.*``)."""
