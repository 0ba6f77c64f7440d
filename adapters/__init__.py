"""Translators between platforms (Slack, Teams, helpdesks) and the core."""
