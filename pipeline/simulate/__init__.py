"""Simulated studies, messy the way real exports are: for the demo, the examples, the tests and
the benchmarks. Nothing here is used to analyse a real study."""
