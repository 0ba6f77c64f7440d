"""Slack: the rating experience over the Events API, interactivity and Socket Mode."""
