"""Benchmark data and benchmarks: `python -m bench.generate`, then `python -m bench.children_list`."""
