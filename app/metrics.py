"""Prometheus metrics, in a registry of the app's own (no global state).

`Metrics` is the core's `Telemetry`: each event the core reports becomes a sample here.
The metric names and labels are a contract with the dashboards that read them.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.domain.model import PromptStatus
from bot.domain.scales import Category, Scale


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.webhooks = Counter(
            "ratebot_webhooks", "Webhook requests by source and outcome",
            ["source", "outcome"], registry=self.registry,
        )
        # Words are lower-cased and cut short; beyond a few dozen, "other" (webhook.py).
        self.unknown_statuses = Counter(
            "ratebot_webhook_unknown_statuses",
            "Status words a helpdesk sent that ratebot does not know, by source and word",
            ["source", "word"], registry=self.registry,
        )
        self.prompts = Counter(
            "ratebot_prompts", "Prompt status changes by new status and reason",
            ["status", "reason"], registry=self.registry,
        )
        self.ratings = Counter(
            "ratebot_ratings", "Ratings recorded by scale and category",
            ["scale", "category"], registry=self.registry,
        )
        self.delivery_latency = Histogram(
            "ratebot_delivery_latency_seconds",
            "Time from a conversation closing to its prompt being delivered",
            registry=self.registry,
            buckets=(1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 72 * 3600),
        )
        self.delivery_errors = Counter(
            "ratebot_delivery_errors", "Failed platform calls by platform and kind",
            ["platform", "kind"], registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)

    # ------------------------------------------------------------------ Telemetry
    def webhook_received(self, source: str, outcome: str) -> None:
        self.webhooks.labels(source, outcome).inc()

    def unknown_status(self, source: str, word: str) -> None:
        self.unknown_statuses.labels(source, word).inc()

    def prompt_status(self, status: PromptStatus, reason: str = "") -> None:
        self.prompts.labels(status.value, reason).inc()

    def rating_recorded(self, scale: Scale, category: Category) -> None:
        self.ratings.labels(scale.value, category.value).inc()

    def prompt_delivered(self, latency_seconds: float) -> None:
        self.delivery_latency.observe(latency_seconds)

    def delivery_failed(self, platform: str, kind: str) -> None:
        self.delivery_errors.labels(platform, kind).inc()
