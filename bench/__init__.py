"""Benchmarks against a reference measured in the same run (bench/README.md)."""
