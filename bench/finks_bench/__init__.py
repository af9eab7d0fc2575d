"""Benchmarks, run through Pants on a fresh clone: ``./pants run bench:<name> -- [args]``.

Each prints ratios measured within one run (never against a remembered number).
"""
