"""The learning team's figures: read-only queries over the store, in weekly cells of at least the minimum group."""
