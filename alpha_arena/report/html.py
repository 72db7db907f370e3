"""A self-contained HTML report: the tear sheet PNG inlined as base64, and the run's tables.

No external URL (scripts, fonts, styles, images): the file opens offline and can be mailed.
"""

from __future__ import annotations

import base64
import html
import math
from typing import Any

import pandas as pd

from alpha_arena.report.inputs import ReportInput

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0 0 1.5em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f3f3f3; } td.k { text-align: left; }
img { max-width: 100%; }
"""


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:,.6g}"
    return html.escape(str(value))


def _key_values(values: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr><td class="k">{html.escape(str(k))}</td><td>{_cell(v)}</td></tr>'
        for k, v in values.items()
        if isinstance(v, (int, float, str)) and not isinstance(v, bool)
    )
    return f"<table>{rows}</table>"


def _frame(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def render_html(inp: ReportInput, png: bytes) -> str:
    """The report page for `inp` around an already-rendered tear sheet `png`."""
    title = html.escape(inp.title)
    image = base64.b64encode(png).decode("ascii")
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>",
        f"<style>{_STYLE}</style></head><body><h1>{title}</h1>",
        f'<img alt="tear sheet" src="data:image/png;base64,{image}">',
        "<h2>Statistics</h2>",
        _key_values(inp.stats),
    ]
    run = inp.stats.get("run")
    if isinstance(run, dict) and run:
        parts += ["<h2>Run</h2>", _key_values(run)]
    if len(inp.pnl):
        keys = [c for c in ("market_id", "market", "category") if c in inp.pnl] or ["token_id"]
        by_market = inp.pnl.groupby(keys, dropna=False)["pnl"].sum().sort_values().reset_index()
        parts += ["<h2>PnL by market (USDC)</h2>", _frame(by_market)]
    if inp.forecast.get("n"):
        parts += ["<h2>Forecast quality</h2>", _key_values(inp.forecast)]
        parts += ["<h3>Calibration</h3>", _frame(pd.DataFrame(inp.forecast["calibration"]))]
    if inp.edge:
        parts += ["<h2>Realizable vs paper edge</h2>", _key_values(inp.edge)]
    notes = (inp.stats.get("fill_model") or {}).get("notes") or []
    if notes:
        items = "".join(f"<li>{html.escape(str(n))}</li>" for n in notes)
        parts += ["<h2>Fill model assumptions</h2>", f"<ul>{items}</ul>"]
    parts.append("</body></html>")
    return "\n".join(parts)
