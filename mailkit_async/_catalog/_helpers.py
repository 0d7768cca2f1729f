"""Short builders for the parameter kinds that recur across Mailkit functions."""

from __future__ import annotations

from .._spec import MISSING, Documentation, Param, as_any, as_int, as_numeric_text

__all__ = ["INFERRED", "PARTIAL", "id_param", "struct_param", "text_param"]

PARTIAL = Documentation.PARTIAL
INFERRED = Documentation.INFERRED


def id_param(
    name: str,
    *,
    required: bool = False,
    quoted: bool = True,
    xml_text: bool = False,
    default: int | str | None = None,
) -> Param:
    """An integer ID.

    JSON gets quoted digits unless ``quoted`` is False; XML-RPC gets ``<int>``, or
    ``<string>`` digits with ``xml_text`` (where the page types the ID so).
    """
    return Param(
        name,
        json=as_numeric_text if quoted else as_int,
        xml=as_numeric_text if xml_text else as_int,
        required=required,
        xml_default=default if default is not None else MISSING,
    )


def text_param(name: str, *, required: bool = False, default: str | None = None) -> Param:
    """Plain text; ``default`` fills the XML-RPC slot when the caller leaves it out."""
    return Param(name, required=required, xml_default=default if default is not None else MISSING)


def struct_param(name: str, *, required: bool = False, default: bool = True) -> Param:
    """A nested struct/array, passed through; empty struct on XML-RPC when absent."""
    return Param(
        name, json=as_any, xml=as_any, required=required, xml_default={} if default else MISSING
    )
