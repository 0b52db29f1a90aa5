"""Terrain analyses over the processed arrays: segments, descent control, gait, technicality,
line practice and repeats. :func:`trailtech.analysis.run.run_analyses` runs them all."""
