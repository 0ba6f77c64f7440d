"""The app's components run on the flows' fixtures: a store, a fake chat, a fake clock."""

from tests.flows.conftest import chat, close, services, store_engine

__all__ = ["chat", "close", "services", "store_engine"]
