"""Tests of learning.people."""
