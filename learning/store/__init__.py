"""The store: the SQLite engine with its schema and migrations, the integrity check, backups."""
