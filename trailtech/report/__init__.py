"""Figures and HTML reports. The only package that imports matplotlib; it never computes.

* :mod:`~trailtech.report.plots`: one figure function per view of an activity;
* :mod:`~trailtech.report.html`: :func:`render_report` / :func:`write_report`, the
  self-contained HTML report of one activity;
* :mod:`~trailtech.report.htmlkit`: page shell, CSS, cards, tables, inline-SVG figures and
  data-URI downloads, shared with the season report.

Importing this package does not import matplotlib; drawing a figure does.
"""

from .html import render_report, write_report

__all__ = ["render_report", "write_report"]
