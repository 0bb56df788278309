"""The error of the NXDL converter: :class:`NXDLError`, a :class:`~mapper.errors.MapperError`.

It lives here, not in :mod:`mapper.errors`, because that module names no
file format (``tests/test_layout.py``); :mod:`mapper.nxdl` re-exports it.
"""

from __future__ import annotations

from mapper.errors import MapperError

__all__ = ["NXDLError"]


class NXDLError(MapperError, ValueError):
    """An NXDL definition cannot be converted to a mapping; the message is ``FILE:LINE: what``."""
