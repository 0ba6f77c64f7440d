"""Text from outside: what the database cannot store, and how it is logged."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.untrusted import (
    MAX_REPORTED,
    NUL_REASON,
    loggable,
    may_hold_unstorable,
    unstorable,
    unstorable_fields,
)

SURROGATE = (
    "contains an unpaired surrogate (U+DFFF), which is not valid Unicode and cannot be stored"
)


def test_nul_and_unpaired_surrogates_cannot_be_stored_anything_else_can() -> None:
    assert unstorable("a\x00b") == NUL_REASON
    assert unstorable("x\udfff") == SURROGATE
    for fine in ("", "plain", "Zoë 😀", "\x01\x1b\u202e", "\\u0000"):
        assert unstorable(fine) is None


def test_every_place_is_named_by_its_path_keys_included() -> None:
    document = {"a": "ok", "b": [{"c": "x\x00"}, "y"], "d\x00": 1, "e": {"f": ["\udfff"]}}
    assert unstorable_fields(document) == {
        "b.0.c": NUL_REASON, "d\\x00": NUL_REASON, "e.f.0": SURROGATE,
    }
    assert unstorable_fields("\x00") == {"body": NUL_REASON}
    assert unstorable_fields({"n": 1, "t": True, "z": None}) == {}


def test_a_flood_of_bad_strings_is_reported_briefly() -> None:
    assert len(unstorable_fields({str(n): "\x00" for n in range(1000)})) == MAX_REPORTED


def test_deep_nesting_does_not_exhaust_the_stack() -> None:
    document: Any = "\x00"
    for _ in range(100_000):
        document = [document]
    assert unstorable_fields(document) == {"0.0.0.0.0.0.….0.0.0.0.0": NUL_REASON}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_the_cheap_byte_test_never_misses_what_the_walk_finds(document: Any) -> None:
    if not unstorable_fields(document):
        return
    ascii_json = json.dumps(document).encode()
    raw_json = json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")
    form = urlencode({"payload": json.dumps(document)}).encode()
    for body in (ascii_json, raw_json, form):
        assert may_hold_unstorable(body)


def test_plain_bodies_skip_the_walk() -> None:
    assert not may_hold_unstorable(b'{"ticket_id": "INC-1", "team": "servicedesk"}')
    assert not may_hold_unstorable(b"command=%2Fratings&text=stats&trigger_id=1.2.x")


@given(st.text(), st.integers(min_value=1, max_value=200))
def test_a_logged_value_is_one_line_of_printable_text_within_its_limit(
    value: str, limit: int
) -> None:
    shown = loggable(value, limit)
    body = shown.removesuffix("…")
    assert body.isprintable()
    assert len(body) <= limit
    if len(value) > limit:
        assert shown.endswith("…")
    elif value.isprintable():
        assert shown == value


def test_line_breaks_and_terminal_controls_are_escaped() -> None:
    assert loggable("INC-1\nERROR forged\x1b[2J") == "INC-1\\nERROR forged\\x1b[2J"
    assert loggable("\u202eevil\ud800") == "\\u202eevil\\ud800"
    assert loggable("x" * 10, 4) == "xxxx…"
    assert loggable(None) == "None"
