"""Helpers for the hostile-input and fault tests (tests/test_hostile_*.py, test_faults.py)."""
