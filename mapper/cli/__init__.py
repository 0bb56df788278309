"""The ``mapper`` command line: :func:`main` (the parser) and one module per command.

``main`` parses the arguments and runs ``show``, ``load``, ``check`` and
``schemas``; ``validate`` and ``convert`` have modules of their own, and
``options`` parses ``--option KEY=VALUE`` by the types a mapping declares.
"""

from mapper.cli.main import EXIT_ERROR, EXIT_OK, EXIT_PROBLEMS, main

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_PROBLEMS", "main"]
