"""The domain, in sub-packages by what changes together: catalog, store, search, recommend, people (no Slack)."""
