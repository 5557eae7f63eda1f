"""Benchmarks (not shipped): `python -m bench` runs them all (`make bench`), `python -m bench.NAME`
one. Each module has `run()` printing its Rich tables and returning its figures as a dict."""
