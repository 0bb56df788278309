"""USID main datasets: dimension order, reading, writing and the ``usid.main`` check."""

from mapper.conventions.usid import check, layout, read, write

__all__ = ["check", "layout", "read", "write"]
