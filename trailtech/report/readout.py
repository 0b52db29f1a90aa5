"""Read-outs under the cursor: hovering or touching the elevation profile, the route map or
the cadence figure shows distance, elevation, grade, gait, cadence and heart rate at that
point, and marks the same moment on every figure.

No chart framework: the figures stay matplotlib SVG. Each interactive ``<figure>`` carries
``data-role`` and ``data-frame`` (where its axes sit in the SVG's viewBox [pt] and its axis
limits), the page carries the samples as a JSON block, and :data:`SCRIPT` (a few dozen
lines, no network, no storage) maps the pointer to the nearest sample. :data:`SCRIPT_SHA256`
lets a server allow exactly this script in its Content-Security-Policy.

The same script draws the route over OpenStreetMap tiles (:data:`TILE_HOST`), and only when
the reader presses the map's button while online: until then the report makes no network
request. A static mosaic of tiles at the zoom that fits the route, the route and the read-out's
marker on top; no map library.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _figure as draw

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ..result import Analysis

__all__ = ["TILE_HOST", "SCRIPT", "MAP_SCRIPT", "page_script", "SCRIPT_SHA256", "MAX_POINTS",
           "data_json", "frame", "map_scale_m"]

#: Where the map tiles come from (OpenStreetMap's standard layer, ODbL data, attributed on the
#: map as its tile usage policy asks).
TILE_HOST = "https://tile.openstreetmap.org"

#: At most this many samples are embedded (evenly spaced in time): a 2 h run at 1 Hz would
#: otherwise add 7200 rows for a read-out no finger can resolve.
MAX_POINTS = 1500

SCRIPT = r"""(function(){
var el=document.getElementById('tt-data');if(!el)return;
var D=JSON.parse(el.textContent),NS='http://www.w3.org/2000/svg',n=D.d.length;
var F=[].slice.call(document.querySelectorAll('figure[data-frame]')).map(function(f){
var a=f.getAttribute('data-frame').split(',').map(Number);
return {x0:a[0],y0:a[1],w:a[2],h:a[3],xa:a[4],xb:a[5],ya:a[6],yb:a[7],svg:f.querySelector('svg'),role:f.getAttribute('data-role')};});
function xy(fr,i){return fr.role=='profile'?[D.d[i],D.e[i]]:fr.role=='map'?[D.x[i],D.y[i]]:[D.g[i],D.c[i]];}
function toSvg(fr,v){return [fr.x0+(v[0]-fr.xa)/(fr.xb-fr.xa)*fr.w,fr.y0+(1-(v[1]-fr.ya)/(fr.yb-fr.ya))*fr.h];}
F.forEach(function(fr){
if(fr.role=='profile'){var l=document.createElementNS(NS,'line');l.setAttribute('class','tt-line');
l.setAttribute('y1',fr.y0);l.setAttribute('y2',fr.y0+fr.h);l.style.display='none';fr.svg.appendChild(l);fr.line=l;}
var m=document.createElementNS(NS,'circle');m.setAttribute('r','4.5');m.setAttribute('class','tt-mark');
m.style.display='none';fr.svg.appendChild(m);fr.mark=m;});
function f(v,nd,u){return v==null?'\u2013':v.toFixed(nd)+(u?'\u00a0'+u:'');}
function show(i){
var t='km '+f(D.d[i],2)+' \u00b7 '+f(D.e[i],0,'m')+' \u00b7 grade '+f(D.g[i],0,'%')+' \u00b7 '+(D.gait[i]||'\u2013')+
' \u00b7 '+f(D.c[i],0,'spm')+' \u00b7 '+f(D.hr[i],0,'bpm');
[].forEach.call(document.querySelectorAll('.readout'),function(r){r.textContent=t;});
F.forEach(function(fr){var v=fr.at?fr.at(i):xy(fr,i),ok=v!=null&&v[0]!=null&&v[1]!=null,p=ok?(fr.at?v:toSvg(fr,v)):null;
fr.mark.style.display=ok?'':'none';if(ok){fr.mark.setAttribute('cx',p[0]);fr.mark.setAttribute('cy',p[1]);}
if(fr.line){fr.line.style.display=ok?'':'none';if(ok){fr.line.setAttribute('x1',p[0]);fr.line.setAttribute('x2',p[0]);}}});}
function pick(fr,ev){var pt=fr.svg.createSVGPoint();pt.x=ev.clientX;pt.y=ev.clientY;
var s=pt.matrixTransform(fr.svg.getScreenCTM().inverse()),best=-1,bd=Infinity;
if(fr.role=='profile'){if(s.x<fr.x0||s.x>fr.x0+fr.w)return -1;
var v=fr.xa+(s.x-fr.x0)/fr.w*(fr.xb-fr.xa);
for(var i=0;i<n;i++){if(D.d[i]==null)continue;var dd=Math.abs(D.d[i]-v);if(dd<bd){bd=dd;best=i;}}return best;}
for(var j=0;j<n;j++){var q=xy(fr,j);if(q[0]==null||q[1]==null)continue;var p=toSvg(fr,q);
var e=(p[0]-s.x)*(p[0]-s.x)+(p[1]-s.y)*(p[1]-s.y);if(e<bd){bd=e;best=j;}}return bd<900?best:-1;}
F.forEach(function(fr){function on(ev){var i=pick(fr,ev);if(i>=0)show(i);}
fr.svg.addEventListener('pointermove',on);fr.svg.addEventListener('pointerdown',on);});
[].forEach.call(document.querySelectorAll('.readout'),function(r){r.textContent='Hover or touch the figure for the values at that point.';});
window.ttReadout={D:D,F:F};
})();"""

#: The OpenStreetMap view (after :data:`SCRIPT`, whose samples and figures it shares): left out
#: of an ``--offline`` report, so that report holds no address to reach.
MAP_SCRIPT = r"""(function(){
var R=window.ttReadout;if(!R)return;var D=R.D,F=R.F,n=D.d.length,NS='http://www.w3.org/2000/svg';
var btn=document.getElementById('tt-osm-show'),box=document.getElementById('tt-osm');
if(btn&&box&&D.lat){btn.hidden=false;btn.addEventListener('click',function(){
if(!navigator.onLine){btn.textContent='You are offline: the route map above is the map.';btn.disabled=true;return;}
function X(lon,z){return (lon+180)/360*256*Math.pow(2,z);}
function Y(lat,z){var r=lat*Math.PI/180;return (1-Math.log(Math.tan(r)+1/Math.cos(r))/Math.PI)/2*256*Math.pow(2,z);}
var la=[],lo=[];for(var i=0;i<n;i++)if(D.lat[i]!=null){la.push(D.lat[i]);lo.push(D.lon[i]);}
if(!la.length)return;
var W=box.parentNode.clientWidth,H=Math.min(W,520),z=17,a0=Math.min.apply(0,lo),a1=Math.max.apply(0,lo),b0=Math.min.apply(0,la),b1=Math.max.apply(0,la);
while(z>1&&(X(a1,z)-X(a0,z)>W-24||Y(b0,z)-Y(b1,z)>H-24))z--;
var cx=(X(a0,z)+X(a1,z))/2-W/2,cy=(Y(b1,z)+Y(b0,z))/2-H/2;
box.style.height=H+'px';box.hidden=false;btn.hidden=true;
for(var tx=Math.floor(cx/256);tx*256<cx+W;tx++)for(var ty=Math.floor(cy/256);ty*256<cy+H;ty++){
var im=document.createElement('img');im.alt='';im.width=256;im.height=256;
im.onerror=function(){this.style.visibility='hidden';};
im.src='@@TILES@@/'+z+'/'+tx+'/'+ty+'.png';
im.style.left=(tx*256-cx)+'px';im.style.top=(ty*256-cy)+'px';box.appendChild(im);}
var sv=document.createElementNS(NS,'svg');sv.setAttribute('viewBox','0 0 '+W+' '+H);
var pts=[];for(var k=0;k<n;k++)if(D.lat[k]!=null)pts.push((X(D.lon[k],z)-cx).toFixed(1)+','+(Y(D.lat[k],z)-cy).toFixed(1));
var pl=document.createElementNS(NS,'polyline');pl.setAttribute('points',pts.join(' '));pl.setAttribute('class','tt-route');
sv.appendChild(pl);var mk=document.createElementNS(NS,'circle');mk.setAttribute('r','6');mk.setAttribute('class','tt-mark');
mk.style.display='none';sv.appendChild(mk);box.appendChild(sv);
F.push({svg:sv,role:'osm',mark:mk,at:function(i){return D.lat[i]==null?null:[X(D.lon[i],z)-cx,Y(D.lat[i],z)-cy];}});});}
})();"""
MAP_SCRIPT = MAP_SCRIPT.replace("@@TILES@@", TILE_HOST)


def _sha256(code: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii")


def page_script(offline: bool = False) -> str:
    """The report's one inline script: the read-out, then (unless ``offline``) the map view."""
    return SCRIPT if offline else SCRIPT + "\n" + MAP_SCRIPT


#: ``'sha256-...'`` source expression of :func:`page_script` (online, as the upload server
#: serves it) for a Content-Security-Policy's ``script-src``.
SCRIPT_SHA256 = _sha256(page_script())


def map_scale_m(x_m: np.ndarray, y_m: np.ndarray) -> tuple[float, str]:
    """The route map's unit: ``(1000.0, "km")`` when the route spans more than 3 km, else
    ``(1.0, "m")`` [m per unit]."""
    x_m, y_m = np.asarray(x_m, float), np.asarray(y_m, float)
    if not (np.isfinite(x_m).any() and np.isfinite(y_m).any()):
        return 1.0, "m"
    extent = max(np.nanmax(x_m) - np.nanmin(x_m), np.nanmax(y_m) - np.nanmin(y_m))
    return (1000.0, "km") if extent > 3000 else (1.0, "m")


def frame(ax: "Axes") -> str:
    """Where ``ax`` sits in its figure's SVG viewBox and what it shows, as the
    ``data-frame`` attribute: ``x0,y0,width,height`` [pt from the top left], then
    ``xmin,xmax,ymin,ymax`` [data units]. Call after the figure was drawn."""
    w_pt, h_pt = ax.figure.get_size_inches() * 72.0
    pos = ax.get_position()
    (xa, xb), (ya, yb) = ax.get_xlim(), ax.get_ylim()
    vals = [pos.x0 * w_pt, (1.0 - pos.y1) * h_pt, pos.width * w_pt, pos.height * h_pt, xa, xb, ya, yb]
    return ",".join(f"{v:.6g}" for v in vals)


def _rounded(a: np.ndarray, nd: int) -> list[Any]:
    return [None if not np.isfinite(v) else round(float(v), nd) for v in a]


def data_json(analysis: "Analysis") -> str:
    """The samples the read-out shows, as JSON safe inside ``<script type="application/json">``.

    Keys: ``d`` distance [km], ``e`` elevation of the profile [m], ``g`` grade [%], ``c``
    cadence [spm], ``hr`` heart rate [bpm], ``gait`` (label), ``x``/``y`` map position (the
    route map's unit, :func:`map_scale_m`), ``lat``/``lon`` [deg] for the OpenStreetMap view;
    ``null`` where missing.
    """
    tl = draw.table(analysis, "timeline")
    d = draw.col(tl, "distance_m")
    rows = np.flatnonzero(np.isfinite(d))
    if len(rows) > MAX_POINTS:
        rows = rows[np.linspace(0, len(rows) - 1, MAX_POINTS).round().astype(int)]
    prof = draw.table(analysis, "profile")
    pd_m, pe_m = draw.col(prof, "distance_m"), draw.col(prof, "elevation_m")
    okp = np.isfinite(pd_m) & np.isfinite(pe_m)
    ele = (np.interp(d[rows], pd_m[okp], pe_m[okp]) if okp.sum() >= 2
           else np.full(len(rows), np.nan))
    x, y = draw.col(tl, "x_m"), draw.col(tl, "y_m")
    scale, _ = map_scale_m(x, y)
    gait = draw.strings(tl, "gait")[rows] if len(tl) else np.array([], dtype=object)
    labels = {"hike": "hiking", "run": "running", "stop": "stopped"}
    doc = {
        "d": _rounded(d[rows] / 1000.0, 4),
        "e": _rounded(ele, 1),
        "g": _rounded(draw.col(tl, "grade_pct")[rows], 1),
        "c": _rounded(draw.col(tl, "cadence_spm")[rows], 0),
        "hr": _rounded(draw.col(tl, "heart_rate_bpm")[rows], 0),
        "gait": [labels.get(str(g), None) for g in gait],
        "x": _rounded(x[rows] / scale, 4),
        "y": _rounded(y[rows] / scale, 4),
        "lat": _rounded(draw.col(tl, "lat_deg")[rows], 6),
        "lon": _rounded(draw.col(tl, "lon_deg")[rows], 6),
    }
    # "</" cannot end the script block early: JSON allows the escaped slash.
    return json.dumps(doc, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
