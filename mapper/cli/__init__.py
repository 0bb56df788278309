"""The ``mapper`` command line: :func:`main` and one module per command.

``main`` parses the arguments and dispatches to the command's module
(``show``, ``load``, ``check``, ``validate``, ``convert``, ``schemas``), each
with ``add_parser`` and ``run``; ``options`` holds the options several
commands share, ``codes`` the exit codes.
"""

from mapper.cli.main import EXIT_ERROR, EXIT_OK, EXIT_PROBLEMS, main

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_PROBLEMS", "main"]
