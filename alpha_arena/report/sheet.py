"""The tear sheet: every panel the run has data for, on one Agg-rendered figure."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from alpha_arena.errors import ValidationError
from alpha_arena.report import plots
from alpha_arena.report.inputs import ReportInput, as_input

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from alpha_arena.data import Dataset

PANELS: tuple[Callable[[ReportInput, Axes], Axes], ...] = (
    plots.plot_equity,
    plots.plot_drawdown,
    plots.plot_exposure,
    plots.plot_pnl_by_market,
    plots.plot_pnl_by_category,
    plots.plot_trades,
    plots.plot_calibration,
    plots.plot_fees_edge,
)
"""Panels in reading order; a panel without data (ValidationError) is left out."""


def _has_data(panel: Callable[[ReportInput, Axes], Axes], inp: ReportInput) -> bool:
    try:
        panel(inp, plots.new_axes())
    except ValidationError:
        return False
    return True


def tear_sheet(source: Any, dataset: Dataset | None = None) -> Figure:
    """A two-column figure of the equity, drawdown and every other panel with data.

    `source` is a `ReportInput` or a `BacktestResult` (see `report_input`).
    """
    from matplotlib.figure import Figure

    inp = as_input(source, dataset)
    plots.plot_equity(inp, plots.new_axes())
    panels = [p for p in PANELS if _has_data(p, inp)]
    rows = (len(panels) + 1) // 2
    figure = Figure(figsize=(14, 3.6 * rows), layout="constrained")
    figure.suptitle(inp.title)
    for i, panel in enumerate(panels):
        panel(inp, figure.add_subplot(rows, 2, i + 1))
    return figure


def png_bytes(figure: Figure, dpi: int = 90) -> bytes:
    """The figure rendered as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
