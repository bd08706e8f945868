"""Benchmarks run by `make bench` (python -m bench): each prints one `BENCH name …` line."""
