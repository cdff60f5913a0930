"""Configuration: typed settings, the Slack app manifest, and defaults."""

from config.settings import Settings, SettingsError, load_settings

__all__ = ["Settings", "SettingsError", "load_settings"]
