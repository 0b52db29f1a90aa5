"""Every figure on simulated, real and data-poor activities: draws, never crashes, leaks nothing."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure

from trailtech.report import plots

FIGURE_NAMES = [name for name, _f, _c in plots.FIGURES]
ANALYSES = ["sim_run", "sim_repeats", "real_run", "real_no_cadence", "no_cadence",
            "no_elevation", "bare"]


def _draw(fn, analysis):
    ax = fn(analysis)
    assert isinstance(ax, Axes)
    assert isinstance(ax.figure, Figure)
    # Drawing to a buffer exercises the whole artist tree (limits, layout, text).
    import io

    ax.figure.savefig(io.BytesIO(), format="svg")
    return ax


def _outside_pt(fig) -> list[str]:
    """What of each axes (tick labels, labels, title, legend, colour bar) reaches past the
    figure's edge, by more than a point."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    w, h = fig.bbox.width, fig.bbox.height
    out = []
    for a in fig.axes:
        bb = a.get_tightbbox(renderer)
        if bb.x0 < -1 or bb.y0 < -1 or bb.x1 > w + 1 or bb.y1 > h + 1:
            out.append(f"{a.get_label() or a.get_title(loc='left')}: {bb.bounds} in {w:.0f} x {h:.0f}")
    return out


@pytest.mark.parametrize("which", ANALYSES)
def test_report_every_figure_draws(which, request):
    analysis = request.getfixturevalue(which)
    for name, fn, _caption in plots.FIGURES:
        ax = _draw(fn, analysis)
        assert ax.get_title(loc="left"), name
        # The fixed margins (no layout engine) leave room for everything around the axes:
        # long legends get fewer columns and a taller figure rather than being cut.
        assert _outside_pt(ax.figure) == [], name


def test_report_figures_draw_into_a_given_axes(sim_run):
    fig = Figure(figsize=(10, 12), layout="constrained")
    axes = fig.subplots(3, 2).ravel()
    for ax, (_name, fn, _c) in zip(axes, plots.FIGURES):
        assert fn(sim_run, ax=ax) is ax
    import io

    fig.savefig(io.BytesIO(), format="png", dpi=40)


def test_report_figures_show_data_on_a_trail_run(sim_run):
    for name, fn, _c in plots.FIGURES:
        ax = fn(sim_run)
        if name == "repeats" and len(sim_run.repeats) == 0:
            assert ax.get_gid() == plots.EMPTY_GID
        elif name == "climb_speed" and len(sim_run.hike_run.bouts) == 0:
            assert ax.get_gid() == plots.EMPTY_GID
        else:
            assert ax.get_gid() != plots.EMPTY_GID, name


def test_report_profile_colours_grade_and_labels_descents(sim_run):
    assert len(sim_run.descents) > 0
    ax = plots.elevation_profile(sim_run)
    assert any(isinstance(c, QuadMesh) for c in ax.collections)
    texts = [t.get_text() for t in ax.texts]
    for i, score in enumerate(sim_run.descents["control_score"].to_numpy(float)):
        label = f"D{i + 1} " + ("–" if not np.isfinite(score) else f"{score:.0f}")
        assert label in texts
    ranks = {f"{r:.0f}" for r in sim_run.line_practice.get("rank", [])}
    assert ranks <= set(texts)


def test_report_descent_bars_match_scores(sim_run):
    ax = plots.descent_control(sim_run)
    score = sim_run.descents["control_score"].to_numpy(float)
    # The bars of each descent stack up to its control score.
    tops = {}
    for patch in (p for container in ax.containers for p in container):
        x = round(patch.get_x() + patch.get_width() / 2)
        tops[x] = max(tops.get(x, 0.0), patch.get_y() + patch.get_height())
    for i, s in enumerate(score):
        if np.isfinite(s):
            assert tops[i] == pytest.approx(s, abs=0.6)


def test_report_climb_speed_marks_crossover(sim_run):
    cross = sim_run.hike_run.crossover_grade_pct
    ax = plots.climb_speed(sim_run)
    if cross is not None:
        xs = [line.get_xdata()[0] for line in ax.lines]
        assert any(x == pytest.approx(cross) for x in xs)


def test_report_repeats_show_each_pass(sim_repeats):
    assert len(sim_repeats.repeats) > 0
    ax = plots.repeats(sim_repeats)
    assert ax.get_gid() != plots.EMPTY_GID
    n_passes = sum(len(p) for p in sim_repeats.repeats["passes"])
    assert sum(len(c) for c in ax.containers) == n_passes
    assert len(ax.get_xticks()) == n_passes


@pytest.mark.parametrize("which, name", [
    ("no_cadence", "cadence_grade"),
    ("real_no_cadence", "cadence_grade"),
    ("no_elevation", "elevation_profile"),
    ("no_elevation", "climb_speed"),
    ("bare", "descent_control"),
    ("bare", "repeats"),
    ("bare", "climb_speed"),
])
def test_report_missing_data_draws_empty_state(which, name, request):
    analysis = request.getfixturevalue(which)
    fn = dict((n, f) for n, f, _c in plots.FIGURES)[name]
    ax = _draw(fn, analysis)
    assert ax.get_gid() == plots.EMPTY_GID
    message = " ".join(t.get_text() for t in ax.texts)
    assert len(message) > 20  # says why, not just "no data"


def test_report_route_is_in_metres_at_equal_aspect(real_run):
    ax = plots.route_map(real_run)
    assert ax.get_aspect() == 1.0
    assert "[m]" in ax.get_xlabel() or "[km]" in ax.get_xlabel()


def test_report_figures_leave_no_pyplot_state(sim_run, bare):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    for analysis in (sim_run, bare):
        for _name, fn, _c in plots.FIGURES:
            fn(analysis)
    assert plt.get_fignums() == before == []


def test_report_import_trailtech_does_not_import_matplotlib():
    code = ("import sys, trailtech, trailtech.result, trailtech.report, trailtech.report.html, "
            "trailtech.report.htmlkit, trailtech.report.style; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
