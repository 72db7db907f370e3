"""The self-contained HTML tear sheet: the PNG inlined as base64 and the statistics tables."""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alpha_arena.report.figure import tearsheet
from alpha_arena.report.tables import pnl_by_market

if TYPE_CHECKING:
    from alpha_arena.backtest import BacktestResult

_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:1100px}"
    "table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
    "th{background:#eee}img{max-width:100%}"
)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:,.4f}"
    return html.escape(str(value))


def _table(rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{_cell(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _scalars(stats: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in stats.items() if isinstance(v, (int, float)) and k != "run"]


def _png(result: BacktestResult) -> bytes:
    buffer = io.BytesIO()
    tearsheet(result).savefig(buffer, format="png")
    return buffer.getvalue()


def render_html(result: BacktestResult, png: bytes | None = None) -> str:
    """The report page: tear-sheet image, statistics, forecast, fees/edge and PnL tables."""
    image = base64.b64encode(png if png is not None else _png(result)).decode("ascii")
    stats = result.stats
    forecast = {k: v for k, v in (stats.get("forecast") or {}).items() if k != "calibration"}
    notes = "".join(
        f"<li>{html.escape(n)}</li>" for n in stats.get("fill_model", {}).get("notes", [])
    )
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>Tear sheet {html.escape(result.run_id)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(result.strategy)} — {html.escape(result.run_id)}</h1>",
        f"<p>Parameters: {html.escape(str(result.params))}</p>",
        f"<img alt='tear sheet' src='data:image/png;base64,{image}'>",
        "<h2>Performance</h2>",
        _table(_scalars(stats)),
        "<h2>Fees and realizable vs paper edge</h2>",
        _table(_scalars(stats.get("edge") or {})),
        "<h2>Forecast quality (Brier decomposition)</h2>",
        _table(_scalars(forecast)),
        f"<h2>Simulator assumptions</h2><ul>{notes}</ul>",
    ]
    if result.data is not None:
        markets = pnl_by_market(result)
        parts += ["<h2>PnL by market</h2>", markets.to_html(float_format="{:,.2f}".format)]
    if not result.trades.empty:
        frame = result.trades.drop(columns=["token_id", "order_id"]).head(200)
        parts += ["<h2>Trades (first 200)</h2>", frame.to_html(index=False)]
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(result: BacktestResult, directory: str | Path) -> dict[str, Path]:
    """Write `tearsheet.png` and `report.html` into `directory`; returns both paths."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    png = _png(result)
    png_path = folder / "tearsheet.png"
    png_path.write_bytes(png)
    html_path = folder / "report.html"
    html_path.write_text(render_html(result, png), encoding="utf-8")
    return {"png": png_path, "html": html_path}
