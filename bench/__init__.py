"""Benchmarks and the crash torture, run by hand; ``tests/daemon/test_torture.py`` runs the
torture too."""
