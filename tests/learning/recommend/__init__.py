"""Tests of learning.recommend."""
