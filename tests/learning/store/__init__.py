"""Tests of learning.store."""
