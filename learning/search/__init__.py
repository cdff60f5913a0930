"""Course search: the query and intent parsers, hybrid keyword and dense search, the FAISS index upkeep."""
