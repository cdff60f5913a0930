"""Tests of learning.search."""
