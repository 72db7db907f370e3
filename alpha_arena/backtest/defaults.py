"""Defaults of a backtest, importable without loading the engine (the CLI's `--help`)."""

from pathlib import Path

DEFAULT_STRATEGY = "momentum"
"""The strategy run when none is named."""

DEFAULT_LATENCY_MS = 250.0
"""Decision-to-book delay used unless told otherwise (a typical REST round trip)."""

REPORTS_DIR = Path("reports")
"""Where runs go without `--out`: `reports/<run-id>/`."""
