"""Benchmarks: each script prints its numbers; BENCHMARKS.md records them with command, machine and date."""
