"""The ``mailkit-async`` command line (also ``python -m mailkit_async``)."""

from ._main import main

__all__ = ["main"]
