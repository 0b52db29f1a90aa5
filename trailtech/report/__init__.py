"""Figures and HTML reports. The only package that imports matplotlib; it never computes."""
