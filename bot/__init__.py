"""Everything Slack: the Bolt app factory, listeners, Block Kit builders, and the HTTP, Socket Mode and console
front ends."""
