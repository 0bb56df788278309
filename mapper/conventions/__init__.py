"""Knowledge of file formats, which the engine never imports: one package per convention.

``nexus/`` (the NeXus convention, NXdata, unit categories, checks),
``hspy/`` (HyperSpy's HSpy files and value codec), ``usid/`` (USID main
datasets), ``generic/`` (transforms and built-ins every format may use).
Importing this package registers all of them in :data:`mapper.registry.REGISTRY`;
the registry does so on first use, the same way it loads the modules that
installed packages declare in the ``mapper.plugins`` entry-point group.
"""

from __future__ import annotations

from mapper.conventions import generic, hspy, nexus, usid

__all__ = ["generic", "hspy", "nexus", "usid"]
