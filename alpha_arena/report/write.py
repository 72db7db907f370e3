"""`write_report`: the tear sheet PNG and the HTML report of a run, into its folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from alpha_arena.report.html import render_html
from alpha_arena.report.inputs import as_input
from alpha_arena.report.sheet import png_bytes, tear_sheet

if TYPE_CHECKING:
    from alpha_arena.data import Dataset

PNG_NAME = "tearsheet.png"
HTML_NAME = "report.html"


def write_report(
    source: Any, directory: str | Path, *, dataset: Dataset | None = None
) -> dict[str, Path]:
    """Write `tearsheet.png` and a self-contained `report.html`; returns their paths."""
    inp = as_input(source, dataset)
    png = png_bytes(tear_sheet(inp))
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"png": out / PNG_NAME, "html": out / HTML_NAME}
    paths["png"].write_bytes(png)
    paths["html"].write_text(render_html(inp, png), encoding="utf-8")
    return paths
