"""Benchmarks: run with `make bench`; figures go in the README's performance section."""
