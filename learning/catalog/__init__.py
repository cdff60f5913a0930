"""Catalog files and their import: reading, columns and values, courses and their vector index, the bundled data."""
