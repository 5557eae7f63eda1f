"""Benchmarks (make bench): each module has run() -> dict and prints a Rich table."""
