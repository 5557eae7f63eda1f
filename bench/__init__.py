"""Benchmarks (`make bench`): each module's `run()` prints a Rich table and returns its figures."""
