"""Slack: the rating experience over the Events API, interactivity and Socket Mode.

Every chat adapter has the same files with the same meaning:

- `inbound`: pure translation of platform payloads into the flows' inputs (no I/O);
- `handlers`: receive, call the interaction flow (`bot.flows.interactions`), render, respond;
- `render`: view models and core messages as the platform's UI (here Block Kit);
- `outbound`: the core's `ChatPort`, the platform's API calls;
- `app`: wiring the platform's SDK.

What only Slack needs sits beside them, named for what it does (`payload_shape`,
`ratelimit`, `pacing`, `socket_mode`, `manifest`, `escape`). Adapters call flows, never
the store.
"""
