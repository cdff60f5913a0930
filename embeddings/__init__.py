"""Bundled sentence-embedding model, vector cache and FAISS index. Imports no Slack code."""
