"""``python -m mapper`` runs the command line."""

import sys

from mapper.cli import main

sys.exit(main())
