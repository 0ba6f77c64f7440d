"""Helpdesk webhooks: vendor payloads in, `ConversationClosed` / reopen events out."""
