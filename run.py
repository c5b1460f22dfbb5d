#!/usr/bin/env python3
"""lighter-hedge entry point: `python run.py` runs paper mode; `python run.py --help` lists commands."""
import sys

from hedge.cli.main import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
