"""The bot's use cases, one per module: questions, clicks, preferences, privacy, admin access, identity, Home."""
