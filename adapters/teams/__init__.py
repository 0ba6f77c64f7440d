"""Microsoft Teams: Bot Framework hosting, Adaptive Cards, proactive messages."""
