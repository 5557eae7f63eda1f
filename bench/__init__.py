"""Benchmarks (make bench): one module per area, each with run() returning its figures."""
