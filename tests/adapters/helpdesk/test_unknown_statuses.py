"""Unknown status words: logged once per (source, word), counted under a bounded label."""

from __future__ import annotations

import logging

import pytest

from adapters.helpdesk.webhook import OTHER, UnknownStatuses
from app.metrics import Metrics


def count(metrics: Metrics, source: str, word: str) -> float:
    value = metrics.registry.get_sample_value(
        "ratebot_webhook_unknown_statuses_total", {"source": source, "word": word}
    )
    return value or 0.0


def test_each_word_is_logged_once_per_source_and_counted_every_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = Metrics()
    unknown = UnknownStatuses(metrics)
    with caplog.at_level(logging.WARNING):
        for source, word in [("zendesk", "Erledigt"), ("zendesk", "erledigt"),
                             ("freshservice", "Erledigt"), ("zendesk", "\x1b[31mred")]:
            unknown.report(source, word)
    assert len(caplog.records) == 3
    assert "\x1b" not in caplog.text
    assert count(metrics, "zendesk", "erledigt") == 2
    assert count(metrics, "freshservice", "erledigt") == 1


def test_the_word_label_is_cut_short_and_bounded_in_number(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = Metrics()
    unknown = UnknownStatuses(metrics, limit=3)
    unknown.report("zendesk", "W" * 500)
    assert count(metrics, "zendesk", "w" * 32) == 1
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        for number in range(10):
            unknown.report("zendesk", f"word {number}")
    assert count(metrics, "zendesk", "word 0") == 1
    assert count(metrics, "zendesk", "word 1") == 1
    assert count(metrics, "zendesk", OTHER) == 8
    assert count(metrics, "zendesk", "word 9") == 0
    # Two words, then one line saying the rest are counted as "other".
    assert len(caplog.records) == 3
    assert "'other'" in caplog.records[-1].getMessage()
    # A word already counted keeps its own label.
    unknown.report("zendesk", "Word 1")
    assert count(metrics, "zendesk", "word 1") == 2
