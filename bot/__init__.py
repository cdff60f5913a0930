"""Everything Slack: the Bolt app, listeners, Block Kit builders, use cases, transports, seen-event de-duplication."""
