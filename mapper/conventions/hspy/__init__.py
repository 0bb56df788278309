"""HyperSpy's HSpy files: the built-ins of the ``hspy`` mapping and the HSpy value codec."""

from mapper.conventions.hspy import builtins, codec

__all__ = ["builtins", "codec"]
