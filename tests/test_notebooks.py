"""The notebooks run top to bottom (nbclient, python3 kernel, cwd notebooks/) and are stored
without outputs."""

from __future__ import annotations


import pytest

from tests.conftest import ROOT, SAMPLE_DIR

pytestmark = pytest.mark.slow

NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = ["quickstart.ipynb", "descent_control.ipynb"]
#: Sample tracks each notebook reads.
NEEDS = {"quickstart.ipynb": ["trail_run.gpx"],
         "descent_control.ipynb": ["trail_run.fit", "hill_repeats.fit"]}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_without_outputs(name):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, name


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes(name):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    missing = [f for f in NEEDS[name] if not (SAMPLE_DIR / f).is_file()]
    if missing:
        pytest.skip(f"sample_tracks/{missing[0]} not generated (scripts/make_sample_tracks.py)")
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute()
    # Every figure cell produced an image; no cell wrote an error.
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    last_lines = [c.source.strip().splitlines()[-1] for c in nb.cells
                  if c.cell_type == "code" and c.source.strip()]
    n_figure_cells = sum(line.endswith(".figure") or line == "fig" for line in last_lines)
    assert len(images) >= n_figure_cells > 0
