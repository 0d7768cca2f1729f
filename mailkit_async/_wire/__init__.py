"""Wire formats: pure encode/decode of Mailkit calls (bytes in, values out)."""

from ._base import WireFormat
from ._json import JsonWire
from ._xmlrpc import XmlRpcWire

__all__ = ["JsonWire", "WireFormat", "XmlRpcWire"]
