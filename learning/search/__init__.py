"""Course search: the query and intent parsers, hybrid keyword and dense search, the courses a filter passes."""
