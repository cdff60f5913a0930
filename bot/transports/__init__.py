"""How Slack reaches the app: HTTP (WSGI app and server), Socket Mode, the console, local Slack, the metrics page."""
