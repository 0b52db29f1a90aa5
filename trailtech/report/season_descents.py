"""The season report's table of every scored descent, sortable by any column.

Built from ``Season.descents()`` (one row per scored descent: its activity, where it starts,
length, drop, grade, technicality and control score, and where the score sits against the
runner's own season: points over the season reference of such a descent, and the percentile
of the season's history). Each header sorts the table when
clicked, by a small inline script (no external code); without scripts it reads best control
first. Presentation only: it imports nothing from :mod:`trailtech.season`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import htmlkit as hk

__all__ = ["descents_section", "SORT_SCRIPT", "MAX_DESCENT_ROWS"]

#: Rows shown (best control first); the CSV (``season --out``) keeps every descent.
MAX_DESCENT_ROWS = 500

#: Click a header to sort by it (again for the other way); empty cells stay last.
SORT_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (t) {
  t.querySelectorAll('thead th').forEach(function (th, i) {
    th.style.cursor = 'pointer';
    th.title = 'sort';
    th.addEventListener('click', function () {
      var body = t.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var asc = th.dataset.dir !== 'asc';
      th.dataset.dir = asc ? 'asc' : 'desc';
      rows.sort(function (x, y) {
        var a = x.cells[i].dataset.v, b = y.cells[i].dataset.v;
        if (a === '' || b === '') { return a === b ? 0 : (a === '' ? 1 : -1); }
        var na = parseFloat(a), nb = parseFloat(b);
        var r = (isNaN(na) || isNaN(nb)) ? a.localeCompare(b) : na - nb;
        return asc ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def _cell(html: str, sort_value: Any, style: str = "") -> str:
    v = "" if hk.is_missing(sort_value) else str(sort_value)
    st = f' style="{hk.esc(style)}"' if style else ""
    return f'<td data-v="{hk.esc(v)}"{st}>{html}</td>'


def _versus(points: Any) -> str:
    """Points above (+) or below (−) the runner's season reference for such a descent."""
    if hk.is_missing(points):
        return hk.fmt_num(None)
    return f"{float(points):+.0f}".replace("-", "−")


def descents_section(descents: Any, activities: list[dict], links: dict[str, str]) -> str:
    """The "Every descent" section.

    Parameters
    ----------
    descents : pandas.DataFrame
        ``Season.descents()``.
    activities : list of dict
        The season JSON's activities (their names).
    links : dict
        ``file -> URL`` of each activity's own report (may be empty).
    """
    rows = descents.to_dict(orient="records") if len(descents) else []
    if not rows:
        return hk.section("Every descent", '<p class="empty">No scored descent.</p>', id="descents")
    names = {a["file"]: a.get("name") for a in activities}
    shown = rows[:MAX_DESCENT_ROWS]
    body = []
    for d in shown:
        when = str(d.get("start_time_local") or "")[:10]
        label = hk.esc(names.get(d["file"]) or Path(d["file"].split("!")[-1]).name)
        if links.get(d["file"]):
            label = f'<a href="{hk.esc(quote(links[d["file"]]))}">{label}</a>'
        score = d.get("control_score")
        body.append("<tr>" + "".join([
            _cell(f"{hk.esc(when)}<br>{label}", f"{when} {d['file']}", "text-align:left;white-space:normal"),
            _cell(hk.esc(hk.fmt_num(None if hk.is_missing(d.get("start_m")) else d["start_m"] / 1000, 1)),
                  d.get("start_m")),
            _cell(hk.esc(hk.fmt_num(d.get("length_m"), 0)), d.get("length_m")),
            _cell(hk.esc(hk.fmt_num(d.get("drop_m"), 0)), d.get("drop_m")),
            _cell(hk.esc(hk.fmt_num(d.get("avg_grade_pct"), 1)), d.get("avg_grade_pct")),
            _cell(hk.esc(hk.fmt_num(d.get("technicality"), 2)), d.get("technicality")),
            _cell(f'<span class="{hk.esc(hk.score_css(score))}">{hk.esc(hk.fmt_num(score, 0))}</span>', score),
            _cell(hk.esc(_versus(d.get("season_vs_reference_points"))), d.get("season_vs_reference_points")),
            _cell(hk.esc(hk.fmt_num(d.get("season_history_pct"), 0)), d.get("season_history_pct")),
        ]) + "</tr>")
    left = ' style="text-align:left"'
    head = "".join(f'<th scope="col"{left if i == 0 else ""}>{hk.esc(h)}</th>'
                   for i, h in enumerate(["activity", "at [km]", "length [m]", "drop [m]", "grade [%]",
                                          "technicality [0–1]", "control [0–100]", "vs your season [points]",
                                          "season rank [%]"]))
    more = (f" The {len(rows) - len(shown)} more are in descents.csv (season --out)." if len(rows) > len(shown)
            else "")
    intro = ("<p>" + hk.esc(f"{len(rows)} scored descents, best control first; click a column's header to sort "
                            f"by it.{more}") + "</p>")
    table = (f'<div class="scroll"><table class="sortable"><thead><tr>{head}</tr></thead>'
             f"<tbody>{''.join(body)}</tbody></table></div>")
    return hk.section("Every descent", intro + table, id="descents")
