"""Helpers for whole-site checks: the Nu HTML checker and a link walker over built HTML."""
