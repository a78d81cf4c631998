"""Benchmarks of pkm-eval: ``make bench`` runs ``python -m benchmarks.bench``."""
