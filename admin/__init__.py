"""The learning team's web dashboard on the web process: sign-in by one-time link, pages rendered on the server."""
