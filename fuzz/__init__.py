"""Fuzzing harnesses and size bombs for trailtech's readers (development tools, not installed)."""
