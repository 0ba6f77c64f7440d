"""RATEBOT_LOG_FORMAT=json: one JSON object a line, for log shippers."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.logs import JsonFormatter
from app.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_a_record_is_one_json_line_with_its_extras_and_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("ratebot.test").makeRecord(
            "ratebot.test", logging.WARNING, __file__, 1, "delivery failed for %s", ("slack",),
            sys.exc_info(), extra={"prompt_id": 7, "reason": "rate_limited"},
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["level"] == "WARNING" and parsed["logger"] == "ratebot.test"
    assert parsed["message"] == "delivery failed for slack"
    assert (parsed["prompt_id"], parsed["reason"]) == (7, "rate_limited")
    assert "ValueError: boom" in parsed["exception"]
    assert parsed["time"].endswith("+00:00")


def test_the_setting_takes_text_or_json_only() -> None:
    assert load_settings({}).log_format == "text"
    assert load_settings({"RATEBOT_LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(SettingsError, match="RATEBOT_LOG_FORMAT: must be text or json"):
        load_settings({"RATEBOT_LOG_FORMAT": "xml"})


def test_a_process_set_up_for_json_writes_json_lines() -> None:
    program = (
        "import logging\n"
        "from app.logs import configure_logging\n"
        "configure_logging('INFO', 'json')\n"
        "logging.getLogger('ratebot').info('started on %s', 'port 3000')\n"
        "logging.getLogger('ratebot').debug('not shown')\n"
    )
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    [line] = done.stderr.strip().splitlines()
    assert json.loads(line)["message"] == "started on port 3000"
