"""Block Kit builders: messages, the Home tab, modals, nudges, the digest, feedback, safe mrkdwn, text."""
