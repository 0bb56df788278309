"""Exit codes of the ``mapper`` command: 0 success, 1 problems found, 2 could not do the job."""

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2
