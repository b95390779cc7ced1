#!/usr/bin/env python3
"""Entry point: `python build.py …` is the `dossier` command."""

import sys

from dossier.cli import main

if __name__ == "__main__":
    sys.exit(main())
