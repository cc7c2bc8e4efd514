"""The rows of the Willow demo, one module per kind of record; the benchmark generator reuses them."""
