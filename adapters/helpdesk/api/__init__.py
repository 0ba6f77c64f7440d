"""Helpdesk REST API connectors (`bot.ports.helpdesk_api.HelpdeskApi`), one module per vendor."""
