"""Builders shared by several test modules (imported as ``helpers.<module>``; no tests here)."""
