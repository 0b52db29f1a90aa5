"""The activity report as a runner opens it: headless Chromium at desktop (1280 px) and phone
(390 px) width, on the sample track and on real COROS, Suunto and Garmin files.

Checked in the browser itself (a probe script appended to a copy of the report writes its
findings into the DOM, which ``--dump-dom`` returns): no horizontal scroll, no two text boxes of
a figure overlapping, chart text at least 11 px on the phone, the read-out answering the
pointer at three points of the elevation profile, no chart text cut off at a figure's edge, and no network request before the reader
asks for the map. Skips without Chromium (CI installs it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

import trailtech
from trailtech.report.html import render_report

from tests.conftest import REAL_DIR

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome"))
                 if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")

#: Real files: the densest descents (COROS, 2.7 h), a 2 h COROS trail run, a Suunto and a
#: Garmin file.
REAL_FILES = ["sports-lib/6916728382.fit", "coros-run-metrics/BoulderTrailRun20241124062708.fit",
              "coros-run-metrics/LakewoodTrailRun20241128074748.fit"]
MIN_CHART_PX = 11.0

PROBE = r"""<script>
(function(){
var r={},de=document.documentElement;
r.scroll=[de.scrollWidth,de.clientWidth];
r.requests=performance.getEntriesByType('resource').map(function(e){return e.name;});
r.minFont=1e9;r.overlaps=[];r.cut=[];
[].forEach.call(document.querySelectorAll('figure svg'),function(svg){
  var k=svg.getScreenCTM().a,boxes=[],s=svg.getBoundingClientRect();
  [].forEach.call(svg.querySelectorAll('text'),function(t){
    if(!t.textContent.trim())return;
    r.minFont=Math.min(r.minFont,parseFloat(getComputedStyle(t).fontSize)*k);
    var b=t.getBoundingClientRect();boxes.push([b.left,b.top,b.right,b.bottom,t.textContent]);
    if(b.left<s.left-1||b.right>s.right+1||b.top<s.top-1||b.bottom>s.bottom+1)r.cut.push(t.textContent);});
  for(var i=0;i<boxes.length;i++)for(var j=0;j<i;j++){var a=boxes[i],c=boxes[j];
    var ox=Math.min(a[2],c[2])-Math.max(a[0],c[0]),oy=Math.min(a[3],c[3])-Math.max(a[1],c[1]);
    if(ox>1.5&&oy>1.5)r.overlaps.push(a[4]+' / '+c[4]);}});
r.readouts=[];
var fig=document.querySelector('figure[data-role=profile]');
if(fig){var a=fig.getAttribute('data-frame').split(',').map(Number),svg=fig.querySelector('svg');
  var m=svg.getScreenCTM();
  [0.2,0.5,0.8].forEach(function(f){var x=a[0]+f*a[2],y=a[1]+0.5*a[3];
    var ev=new PointerEvent('pointermove',{clientX:m.a*x+m.e,clientY:m.d*y+m.f,bubbles:true});
    svg.dispatchEvent(ev);r.readouts.push(fig.querySelector('.readout').textContent);});
  r.marks=[].map.call(document.querySelectorAll('.tt-mark'),function(c){return c.style.display!='none';});}
var btn=document.getElementById('tt-osm-show');r.mapButton=!!btn&&!btn.hidden;
var pre=document.createElement('pre');pre.id='tt-probe';pre.textContent=JSON.stringify(r);
document.body.appendChild(pre);})();
</script>"""


def _probe(html: str, tmp_path: Path, width: int) -> dict:
    page = tmp_path / f"report-{width}.html"
    page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--hide-scrollbars", f"--window-size={width},2000",
         "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="tt-probe">(.*?)</pre>', out.stdout, re.S)
    assert found, out.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")
                      .replace("&lt;", "<").replace("&gt;", ">"))


def _check(path: Path, tmp_path: Path) -> None:
    _check_html(render_report(trailtech.analyze(path)), path.name, tmp_path)


def _check_html(html: str, name: str, tmp_path: Path, *, offline: bool = False) -> None:
    for width in (1280, 390):
        r = _probe(html, tmp_path, width)
        where = f"{name} at {width} px"
        assert r["scroll"][0] <= r["scroll"][1], f"{where}: horizontal scroll {r['scroll']}"
        assert r["overlaps"] == [], f"{where}: overlapping text {r['overlaps'][:5]}"
        assert r["cut"] == [], f"{where}: text cut off at a figure's edge {r['cut'][:5]}"
        if width == 390:
            assert r["minFont"] >= MIN_CHART_PX, f"{where}: chart text {r['minFont']:.1f} px"
        readouts = r["readouts"]
        assert len(readouts) == 3 and all(t.startswith("km ") for t in readouts), f"{where}: {readouts}"
        assert len(set(readouts)) == 3, f"{where}: the read-out did not follow the pointer {readouts}"
        assert r["marks"] and r["marks"][0], f"{where}: no mark on the profile"
        assert r["requests"] == [], f"{where}: network requests before the map was asked for"
        # The map button appears once the script runs (it is not pressed here: no test
        # should fetch OpenStreetMap tiles); an --offline report has none.
        assert r["mapButton"] != offline, f"{where}: map button {'shown offline' if offline else 'missing'}"


def test_browser_sample_track(tmp_path):
    _check(ROOT / "sample_tracks" / "trail_run.fit", tmp_path)


@pytest.mark.parametrize("name", REAL_FILES)
def test_browser_real_files(name, tmp_path):
    path = REAL_DIR / name
    if not path.is_file():
        pytest.skip("real-track corpus not present")
    _check(path, tmp_path)


def test_browser_offline_hillshade(tmp_path):
    """The offline map on terrain tiles (the simulator's, for the sample's course)."""
    from trailtech.config import AnalysisConfig
    from trailtech.simulate import simulate_trail_run
    from trailtech.simulate.dem import write_terrain_tiles

    run = simulate_trail_run(0)
    write_terrain_tiles(run.course, tmp_path / "dem", arcsec=3)
    analysis = trailtech.analyze(run.track, AnalysisConfig(dem_dir=str(tmp_path / "dem")))
    html = render_report(analysis, offline=True)
    assert 'id="f1-route-map-terrain"' in html
    _check_html(html, "simulated run on simulated terrain tiles, --offline", tmp_path, offline=True)
