#!/usr/bin/env python
"""Render a trailtech HTML report to PNG with headless Chromium, to look at it.

Usage::

    python scripts/render_report.py report.html                 # -> report-1280.png, report-390.png
    python scripts/render_report.py sample_tracks/trail_run.gpx  # analyses the track first
    python scripts/render_report.py report.html --width 390 --height 9000 -o phone.png

The input is either an HTML file or any track file ``trailtech.analyze`` reads (the report is
then written next to the PNG). Chromium runs with networking features off and a throw-away
profile, so the screenshot shows exactly what an offline reader sees.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_SIZES = [(1280, 4000), (390, 9000)]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("render_report: no chromium / google-chrome on PATH")


def screenshot(html: Path, png: Path, *, width: int, height: int, timeout_s: float = 120.0) -> Path:
    """Screenshot ``html`` at ``width`` x ``height`` CSS pixels into ``png``."""
    with tempfile.TemporaryDirectory(prefix="tt-chromium-") as profile:
        cmd = [
            chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
            f"--user-data-dir={profile}", f"--screenshot={png.resolve()}",
            f"--window-size={width},{height}", html.resolve().as_uri(),
        ]
        subprocess.run(cmd, check=True, timeout=timeout_s, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    if not png.is_file():
        raise SystemExit(f"render_report: chromium wrote no screenshot for {html}")
    return png


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("input", type=Path, help="report .html, or a track file to analyse first")
    p.add_argument("-o", "--output", type=Path, help="PNG path (only with --width)")
    p.add_argument("--width", type=int, help="viewport width [CSS px]; default: 1280 and 390")
    p.add_argument("--height", type=int, default=None, help="viewport height [CSS px]")
    p.add_argument("--outdir", type=Path, default=None, help="folder for the outputs")
    args = p.parse_args(argv)

    src = args.input
    outdir = args.outdir or src.parent
    outdir.mkdir(parents=True, exist_ok=True)
    if src.suffix.lower() not in (".html", ".htm"):
        import trailtech
        from trailtech.report.html import write_report

        html = outdir / (src.name.split(".")[0] + ".html")
        write_report(trailtech.analyze(src), html)
        print(html)
    else:
        html = src
    sizes = [(args.width, args.height or 4000)] if args.width else DEFAULT_SIZES
    for width, height in sizes:
        png = args.output if (args.output and args.width) else outdir / f"{html.stem}-{width}.png"
        screenshot(html, png, width=width, height=height)
        print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
