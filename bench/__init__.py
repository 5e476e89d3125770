"""Benchmark tooling: a synthetic fact-set generator (`bench.generate`) and a scan timer (`bench.run`)."""
