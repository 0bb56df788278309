"""The ``mapper`` command line: :func:`main` and one module per command."""

from mapper.cli.main import EXIT_ERROR, EXIT_OK, EXIT_PROBLEMS, main

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_PROBLEMS", "main"]
