"""The one error a bad setting raises."""


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line naming it."""
