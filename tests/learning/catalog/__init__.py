"""Tests of learning.catalog."""
