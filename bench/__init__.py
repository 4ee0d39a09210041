"""Benchmarks: speed and memory goals, measured, with results in BENCHMARKS.md."""
