"""The learning team's figures: read-only queries over the store, folded so no group is smaller than the minimum."""
