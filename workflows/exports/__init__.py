"""Exports: a list page's rows as a file (lists.py)."""
