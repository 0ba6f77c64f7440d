"""What the Teams adapter keeps in the database: conversation references and thread authors.

Teams can only message someone proactively through a conversation reference it handed
the bot earlier, so references are stored (never kept in memory only).
"""

from __future__ import annotations




