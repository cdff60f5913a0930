"""Catalog files and their import: reading, columns and values, courses, history import, the bundled data."""
