"""Bolt listeners, one module per kind of request. Each acks first, then delegates."""
