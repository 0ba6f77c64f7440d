"""Microsoft Teams: Bot Framework hosting, Adaptive Cards, proactive messages.

The same files as every chat adapter (see `adapters.slack`): `inbound` (pure translation
of activities), `handlers`, `render` (Adaptive Cards), `outbound` (`ChatPort`) and `app`
(the CloudAdapter and `POST /api/messages`). What only Teams needs is named for what it
does (`reuse`, `package`, `icons`, `escape`).
"""
