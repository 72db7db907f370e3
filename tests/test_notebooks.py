"""The notebooks in experiments/ run top to bottom on a small slice of the sample."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "experiments").glob("*.ipynb"))


def test_notebooks_exist():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, sample_dir, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("ALPHA_ARENA_CACHE", str(sample_dir.parent))
    monkeypatch.setenv("AA_DAYS", "1")
    monkeypatch.setenv("AA_MARKETS", "20")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()  # fmt: skip
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    assert any(o.get("data", {}).get("image/png") for c in notebook.cells
               for o in c.get("outputs", []))  # fmt: skip
