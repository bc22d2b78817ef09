"""The store bench (bench/bench_store.py), in parts."""
