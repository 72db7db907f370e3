"""Thin live entry point: `python live/runner.py --config live/config.yaml [--live]`.

The same as `alpha-arena run`; kept as a script for the systemd unit.
"""

from __future__ import annotations

import sys

from alpha_arena.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
