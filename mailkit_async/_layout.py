"""Place a call's named parameters on either wire (pure functions, no I/O).

``client.call()`` and every typed method hand over the documented parameter names;
this module turns them into the JSON request object or the XML-RPC positional list,
including Mailkit's placeholders and single-struct layouts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from ._exceptions import ConfigurationError
from ._spec import MISSING, Fixed, FunctionSpec, Group, JsonLayout, Param, _Missing
from ._types import WireValue

__all__ = ["json_request", "without_none_members", "xmlrpc_params"]


def _convert(
    spec: FunctionSpec, param: Param, value: object, *, for_xml: bool
) -> WireValue | _Missing:
    try:
        return (param.xml if for_xml else param.json)(value)
    except ConfigurationError as exc:
        raise ConfigurationError(
            f"parameter {param.name}: {exc.message}", function=spec.name
        ) from None


def _check_names(spec: FunctionSpec, params: Mapping[str, object]) -> None:
    unknown = [k for k in params if k not in spec.param_index]
    if unknown:
        known = ", ".join(spec.param_index) or "none"
        raise ConfigurationError(
            f"unknown parameter(s) {', '.join(sorted(unknown))}; documented: {known}",
            function=spec.name,
        )
    missing = [p.name for p in spec.params if p.required and params.get(p.name) is None]
    if missing:
        raise ConfigurationError(
            f"missing required parameter(s) {', '.join(missing)}", function=spec.name
        )


def json_request(
    function: str,
    spec: FunctionSpec | None,
    client_id: int,
    client_md5: str,
    params: Mapping[str, object],
) -> dict[str, WireValue]:
    """The JSON request object for one call, credentials included.

    Arguments the caller left out (or passed as None) are omitted, as Mailkit's JSON
    interface expects; a function missing from the table gets its parameters under
    ``"parameters"`` as given.
    """
    body: dict[str, WireValue] = {"function": function, "id": str(client_id), "md5": client_md5}
    if spec is None:
        if params:
            body["parameters"] = cast("dict[str, WireValue]", dict(params))
        return body
    _check_names(spec, params)
    args: dict[str, WireValue] = {}
    for p in spec.params:
        if params.get(p.name) is not None:
            converted = _convert(spec, p, params[p.name], for_xml=False)
            if converted is not MISSING:
                args[p.name] = converted
    if spec.json_layout is JsonLayout.PARAMETERS:
        body["parameters"] = args
    elif spec.json_layout is JsonLayout.TOP_LEVEL:
        body.update(args)
    return body


def xmlrpc_params(
    function: str,
    spec: FunctionSpec | None,
    client_id: int,
    client_md5: str,
    params: Mapping[str, object],
) -> list[WireValue]:
    """The XML-RPC positional parameter list for one call, credentials first.

    Slots the caller left out take the documented placeholder; trailing slots with no
    placeholder are dropped. A gap before a given argument that has no placeholder is
    a ``ConfigurationError`` (XML-RPC cannot skip a position).
    """
    head: list[WireValue] = [client_id, client_md5]
    if spec is None:
        return head + list(params.values())  # type: ignore[arg-type]
    _check_names(spec, params)
    slots: list[WireValue | object] = []
    for slot in spec.xml_slots:
        if isinstance(slot, Fixed):
            slots.append(slot.value)
        elif isinstance(slot, Group):
            members: dict[str, WireValue] = {}
            for name in slot.members:
                if params.get(name) is not None:
                    converted = _convert(spec, spec.param_index[name], params[name], for_xml=True)
                    if converted is not MISSING:
                        members[name] = converted
            slots.append(members)
        else:
            param = spec.param_index[slot]
            value = params.get(slot)
            converted = MISSING if value is None else _convert(spec, param, value, for_xml=True)
            if converted is not MISSING:
                slots.append(converted)
            elif param.xml_default is not MISSING:
                slots.append(param.xml_default)
            else:
                slots.append(MISSING)
    while slots and slots[-1] is MISSING:
        slots.pop()
    if MISSING in slots:
        gap = next(s for s, v in zip(spec.xml_slots, slots, strict=False) if v is MISSING)
        raise ConfigurationError(
            f"XML-RPC is positional: {gap} must be given to pass a later argument",
            function=spec.name,
        )
    return head + slots  # type: ignore[operator]


def without_none_members(value: object) -> object:
    """``value`` with every struct member whose value is None left out, at any depth.

    Lists keep their None items. Returns ``value`` itself when there is nothing to
    leave out, so callers can tell whether it needs encoding again.
    """
    if isinstance(value, dict):
        members = {k: without_none_members(v) for k, v in value.items() if v is not None}
        if len(members) == len(value) and all(members[k] is v for k, v in value.items()):
            return value
        return members
    if isinstance(value, list | tuple):
        items = [without_none_members(v) for v in value]
        unchanged = all(new is old for new, old in zip(items, value, strict=True))
        return value if unchanged else items
    return value
