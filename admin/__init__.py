"""The learning team's web dashboard: one-time sign-in links and their tokens, pages rendered on the server."""
