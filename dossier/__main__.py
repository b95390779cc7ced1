"""`python -m dossier` is the `dossier` command."""

import sys

from .cli import main

sys.exit(main())
