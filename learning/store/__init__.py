"""The store: the SQLite engine with its schema and migrations, and backups."""
