"""Building blocks of trailtech's self-contained HTML reports.

Used by the activity report (:mod:`trailtech.report.html`) and the season report
(:mod:`trailtech.report.season`): a page shell with inline CSS (no external scripts, styles,
fonts or images; readable offline and on a phone), summary cards, tables that scroll
horizontally on narrow screens, figures embedded as inline SVG, and data-URI downloads.

Every function that takes text from a file escapes it; functions that take HTML say so
(``*_html`` parameters). matplotlib is only imported by :func:`figure_svg`, and only when
called.

Examples
--------
>>> from trailtech.report import htmlkit as hk
>>> body = hk.section("Summary", hk.cards([("distance", "12.3 km", None)]))
>>> page = hk.page("My run", body)
>>> page.startswith("<!DOCTYPE html>")
True
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from typing import Any, Callable, Iterable, Optional, Sequence, Union

__all__ = [
    "score_css",
    "CSS",
    "esc",
    "page",
    "section",
    "cards",
    "table",
    "figure_svg",
    "figure_block",
    "data_uri",
    "download_link",
    "bullet_list",
    "fmt_num",
    "fmt_km",
    "fmt_duration",
    "fmt_pace",
    "fmt_pct",
    "is_missing",
    "Column",
]

#: Stylesheet of every report: system fonts, responsive grid, scrollable tables.
CSS = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#ffffff;--card:#f6f8fa;
--accent:#D55E00;--good:#009E73;--fair:#B07800;--poor:#D55E00;}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);
font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:960px;margin:0 auto;padding:16px}
header.report{border-bottom:1px solid var(--line);padding-bottom:8px;margin-bottom:8px}
header.report h1{font-size:1.45rem;margin:0 0 4px;overflow-wrap:anywhere}
header.report p{margin:0;color:var(--muted)}
h2{font-size:1.2rem;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:1.02rem;margin:18px 0 6px}
.cards{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.card .label{font-size:.78rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.card .value{font-size:1.35rem;font-weight:600;margin-top:2px;font-variant-numeric:tabular-nums}
.card .sub{font-size:.8rem;color:var(--muted)}
figure{margin:14px 0 22px;min-width:0}
figure svg{display:block;width:100%;height:auto;max-width:780px}
figure svg g[id$="-terrain"] image{image-rendering:auto!important}
figure svg text{font-family:"DejaVu Sans",Verdana,system-ui,sans-serif!important}
figcaption{font-size:.85rem;color:var(--muted);margin-top:4px}
.figs{display:grid;grid-template-columns:minmax(0,1fr);column-gap:20px}
@media (min-width:860px){.figs{grid-template-columns:repeat(2,minmax(0,1fr))}}
figure[data-frame] svg{touch-action:pan-y;cursor:crosshair}
.readout{font-size:.9rem;font-variant-numeric:tabular-nums;min-height:1.5em;margin:2px 0 6px;color:var(--fg)}
.tt-mark{fill:var(--accent);stroke:#fff;stroke-width:1.5;pointer-events:none}
.tt-line{stroke:var(--accent);stroke-width:1;stroke-dasharray:3 2;pointer-events:none}
.notes li{color:var(--muted)}
.osm{position:relative;overflow:hidden;border:1px solid var(--line);border-radius:6px;margin:6px 0;background:#eef0f2}
.osm img{position:absolute;max-width:none}
.osm svg{position:absolute;left:0;top:0;width:100%;height:100%}
.tt-route{fill:none;stroke:#D55E00;stroke-width:3;stroke-linejoin:round;opacity:.85}
.osm-credit{position:absolute;right:0;bottom:0;z-index:2;background:rgba(255,255,255,.8);font-size:.72rem;padding:1px 5px}
button.map{font:inherit;padding:7px 12px;border-radius:6px;border:1px solid var(--line);background:var(--card);cursor:pointer}
.small{font-size:.8rem;color:var(--muted)}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.9rem;font-variant-numeric:tabular-nums}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);white-space:nowrap;text-align:right}
th{background:var(--card);font-weight:600;position:sticky;top:0;white-space:normal;vertical-align:bottom}
th.text,td.text{text-align:left;white-space:normal;min-width:12em}
tr:last-child td{border-bottom:none}
.empty{color:var(--muted);font-style:italic}
.score{font-weight:600}
.score.good{color:var(--good)}.score.fair{color:var(--fair)}.score.poor{color:var(--poor)}
ol.practice{padding-left:1.4em}
ol.practice>li{margin-bottom:10px}
ol.practice ul{margin:2px 0 0;padding-left:1.2em;color:var(--muted)}
ol.practice ul li{margin:0}
.warnings li{color:#7a4b00}
a.download{display:inline-block;margin:6px 0;padding:8px 14px;border-radius:6px;
background:var(--fg);color:#fff;text-decoration:none;font-weight:600}
footer{margin-top:32px;color:var(--muted);font-size:.8rem;border-top:1px solid var(--line);padding-top:8px}
@media (max-width:700px){.cards{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media (max-width:520px){main{padding:10px}.card .value{font-size:1.15rem}figure{margin:10px -4px 18px}
th,td{padding:5px 7px}th{white-space:normal;vertical-align:bottom}h2{font-size:1.1rem}}
@media print{a.download{display:none}}
"""

_MISSING = "–"


def esc(text: Any) -> str:
    """HTML-escape any value (``None`` gives an empty string)."""
    return "" if text is None else html.escape(str(text), quote=True)


def is_missing(value: Any) -> bool:
    """True for ``None``, NaN, NaT and pandas' NA."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False


def score_css(value: Any) -> str:
    """CSS classes for a 0-100 descent control score: ``score poor`` below 40, ``score fair``
    below 70, ``score good`` from 70; empty for a missing score. One scale for every report,
    so a score looks the same in the activity and in the season report."""
    if is_missing(value):
        return ""
    v = float(value)
    return "score poor" if v < 40 else ("score fair" if v < 70 else "score good")


# --------------------------------------------------------------------------- formatting
def fmt_num(value: Any, nd: int = 0, unit: str = "") -> str:
    """A number rounded to ``nd`` decimals with an optional unit; a dash when missing."""
    if is_missing(value):
        return _MISSING
    try:
        v = float(value)
    except (TypeError, ValueError):
        return esc(value)
    if math.isinf(v):
        return _MISSING
    s = f"{v:,.{nd}f}".replace(",", "\u202f")  # narrow no-break space as thousands separator
    if s in ("-0", "-0.0", "-0.00"):
        s = s[1:]
    return f"{s}\u00a0{unit}" if unit else s


def fmt_km(value_m: Any, nd: int = 2) -> str:
    """Metres shown as kilometres."""
    return _MISSING if is_missing(value_m) else fmt_num(float(value_m) / 1000.0, nd, "km")


def fmt_duration(value_s: Any, *, hours: bool = False) -> str:
    """Seconds as ``h:mm:ss`` (or ``m:ss`` under an hour, unless ``hours``: in a column of
    mixed lengths "0:35" must not read as 35 minutes)."""
    if is_missing(value_s):
        return _MISSING
    total = int(round(float(value_s)))
    sign = "-" if total < 0 else ""
    h, rem = divmod(abs(total), 3600)
    m, s = divmod(rem, 60)
    return f"{sign}{h}:{m:02d}:{s:02d}" if (h or hours) else f"{sign}{m}:{s:02d}"


def fmt_pace(speed_mps: Any) -> str:
    """Speed [m/s] as running pace ``m:ss /km``."""
    if is_missing(speed_mps) or float(speed_mps) <= 0:
        return _MISSING
    return f"{fmt_duration(1000.0 / float(speed_mps))}\u00a0/km"


def fmt_pct(fraction: Any, nd: int = 0) -> str:
    """A fraction 0-1 shown in percent."""
    return _MISSING if is_missing(fraction) else fmt_num(float(fraction) * 100.0, nd, "%")


# --------------------------------------------------------------------------- blocks
def page(title: str, body_html: str, *, subtitle: Optional[str] = None,
         footer_html: str = "", lang: str = "en", script: str = "") -> str:
    """A complete HTML document with the report stylesheet inline.

    Parameters
    ----------
    title : str
        Page title and heading (escaped).
    body_html : str
        The page's content (HTML, inserted as is).
    subtitle : str, optional
        A line under the heading (escaped).
    footer_html : str
        Footer content (HTML).
    script : str
        JavaScript run at the end of the body (trusted code, inserted as is; never text from
        a file).
    """
    sub = f"<p>{esc(subtitle)}</p>" if subtitle else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        f'<header class="report"><h1>{esc(title)}</h1>{sub}</header>\n'
        f"{body_html}\n"
        + (f"<footer>{footer_html}</footer>\n" if footer_html else "")
        + "</main>\n"
        + (f"<script>{script}</script>\n" if script else "")
        + "</body>\n</html>\n"
    )


def section(title: str, content_html: str, *, id: Optional[str] = None) -> str:
    """A ``<section>`` with an ``<h2>`` heading (title escaped, content inserted as is)."""
    ident = f' id="{esc(id)}"' if id else ""
    return f"<section{ident}>\n<h2>{esc(title)}</h2>\n{content_html}\n</section>\n"


def cards(items: Iterable[tuple[str, str, Optional[str]]]) -> str:
    """Summary cards: ``(label, value, sub)`` triples, all escaped; ``sub`` may be ``None``."""
    out = ['<div class="cards">']
    for label, value, sub in items:
        out.append(
            f'<div class="card"><div class="label">{esc(label)}</div>'
            f'<div class="value">{esc(value)}</div>'
            + (f'<div class="sub">{esc(sub)}</div>' if sub else "")
            + "</div>"
        )
    out.append("</div>")
    return "\n".join(out)


class Column:
    """One table column: the record key, a header (with its unit), and a formatter.

    Parameters
    ----------
    key : str
        Key in each record (a DataFrame column).
    header : str
        Header text, units in brackets, e.g. ``"length [m]"`` (escaped).
    fmt : callable, optional
        ``value -> str`` (plain text, escaped afterwards); default :func:`fmt_num` with 0 dp.
    text : bool
        Left-aligned, wrapping text column.
    css : callable, optional
        ``value -> str``: extra CSS class of the cell (e.g. a score colour).
    """

    def __init__(self, key: str, header: str, fmt: Optional[Callable[[Any], str]] = None, *,
                 text: bool = False, css: Optional[Callable[[Any], str]] = None) -> None:
        self.key, self.header, self.text, self.css = key, header, text, css
        self.fmt = fmt or (lambda v: fmt_num(v, 0))


def table(records: Union[Sequence[dict], Any], columns: Sequence[Column], *,
          empty: str = "None.", caption: Optional[str] = None) -> str:
    """A horizontally scrollable table.

    Parameters
    ----------
    records : sequence of dict or pandas.DataFrame
        Rows; a DataFrame is read with ``to_dict(orient="records")``.
    columns : sequence of Column
        Which keys to show, how.
    empty : str
        Text shown instead of an empty table (escaped).
    caption : str, optional
        Table caption (escaped).
    """
    if hasattr(records, "to_dict"):
        records = records.to_dict(orient="records")
    records = list(records or [])
    if not records:
        return f'<p class="empty">{esc(empty)}</p>'
    text_cls = ' class="text"'
    head = "".join(
        f'<th scope="col"{text_cls if c.text else ""}>{esc(c.header)}</th>' for c in columns
    )
    rows = []
    for rec in records:
        cells = []
        for c in columns:
            value = rec.get(c.key)
            classes = ["text"] if c.text else []
            if c.css is not None:
                extra = c.css(value)
                if extra:
                    classes.append(extra)
            cls = f' class="{esc(" ".join(classes))}"' if classes else ""
            cells.append(f"<td{cls}>{esc(c.fmt(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def bullet_list(items: Iterable[Any], *, cls: Optional[str] = None, empty: str = "None.") -> str:
    """An escaped ``<ul>``."""
    items = [esc(i) for i in items]
    if not items:
        return f'<p class="empty">{esc(empty)}</p>'
    c = f' class="{esc(cls)}"' if cls else ""
    return f"<ul{c}>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


# --------------------------------------------------------------------------- figures
_SVG_START = re.compile(r"<svg\b", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.S)
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(xlink:href|href)="#([^"]+)"')
_URL = re.compile(r"url\(#([^)]+)\)")


def figure_svg(fig: Any, *, prefix: str, dpi: float = 150.0,
               on_drawn: Optional[Callable[[Any], None]] = None) -> str:
    """Render a matplotlib Figure to an inline ``<svg>`` element and discard its contents.

    Text stays ``<text>`` (selectable, measurable, a tenth of the size and time of glyph
    paths; the report's CSS picks a sans-serif font on any device), comments and RDF
    metadata are dropped, every ``id`` is prefixed so several SVGs can share one page, and
    the fixed width/height give way to the ``viewBox`` so the figure scales with the screen.
    Rasterised artists (dense point clouds) are embedded as PNG inside the SVG at ``dpi``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure; it is cleared afterwards so its memory can be freed at once.
    prefix : str
        Unique per page, e.g. ``"f3"``; letters, digits and hyphens only.
    dpi : float
        Resolution of rasterised artists [dots per inch].
    on_drawn : callable, optional
        Called with the figure after it was drawn (layout done, axes limits final) and before
        it is cleared, e.g. to read where an axes ended up.

    Returns
    -------
    str
        The ``<svg ...>...</svg>`` markup.
    """
    import matplotlib

    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", prefix):
        raise ValueError(f"prefix={prefix!r}: use letters, digits and hyphens, starting with a letter")
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": prefix,
                                "svg.image_inline": True}):
        fig.savefig(buf, format="svg", dpi=dpi, metadata={"Date": None})
    if on_drawn is not None:
        on_drawn(fig)
    fig.clear()
    svg = buf.getvalue()
    svg = svg[_SVG_START.search(svg).start():]
    svg = _METADATA.sub("", _COMMENT.sub("", svg))
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = _REF.sub(lambda m: f'{m.group(1)}="#{prefix}-{m.group(2)}"', svg)
    svg = _URL.sub(lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    # Let CSS size the figure: drop the fixed width/height of the root element only.
    head_end = svg.index(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", svg[:head_end])
    svg = head + ' role="img" preserveAspectRatio="xMidYMid meet"' + svg[head_end:]
    return svg.strip()


def figure_block(svg_html: str, caption: Optional[str] = None, *, title: Optional[str] = None,
                 attrs: Optional[dict[str, str]] = None, after_html: str = "") -> str:
    """A ``<figure>`` around inline SVG (inserted as is) with an escaped caption.

    ``attrs`` are extra attributes of the ``<figure>`` (escaped); ``after_html`` goes between
    the SVG and the caption (HTML, inserted as is).
    """
    label = f' aria-label="{esc(title)}"' if title else ""
    extra = "".join(f' {esc(k)}="{esc(v)}"' for k, v in (attrs or {}).items())
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="plot"{label}{extra}>{svg_html}{after_html}{cap}</figure>'


# --------------------------------------------------------------------------- downloads
def data_uri(content: Union[str, bytes], mime: str) -> str:
    """``data:`` URI of the content, base64-encoded (text as UTF-8)."""
    raw = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def download_link(content: Union[str, bytes], *, filename: str, mime: str, label: str) -> str:
    """An ``<a download>`` link that carries the file inside the page."""
    return (f'<a class="download" href="{data_uri(content, mime)}" download="{esc(filename)}">'
            f"{esc(label)}</a>")
