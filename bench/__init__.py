"""Benchmarks at city scale: a synthetic Zaozhuang and the measurements on it.

Not tests: they print figures and write docs/performance.md (``make bench``).
"""
