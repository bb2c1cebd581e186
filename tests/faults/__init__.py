"""Fault tests: run by `make faults`, not by `make test` (see tests/faults/conftest.py)."""
