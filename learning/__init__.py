"""The domain: catalog import and validation, courses, learners and their history, the store, search and the
recommender. Imports no Slack code."""
