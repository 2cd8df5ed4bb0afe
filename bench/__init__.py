"""Benchmarks: programs that print same-run ratios (make bench), never tests."""
