"""An activity's JSON read into botbuilder's `Activity`, as msrest reads it, in a fraction
of the time.

msrest walks every attribute of every model for every activity, present or not, through
a chain of key extractors and type dispatchers: about a tenth of a millisecond for a card
click, a third of what a whole no-op turn costs. What Teams sends is plain: strings,
booleans, times, a few nested accounts and entities, and free JSON (`value`,
`channelData`). Those are read here the way msrest reads them (unknown keys go to
`additional_properties`, free JSON and times through msrest's own functions). Anything
else (another type, a key whose value has the wrong type, attachments, suggested actions)
is left to msrest itself, which reads it or raises its own error, as before.
"""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, Entity
from msrest.serialization import Deserializer, Model

# One msrest Deserializer for everything left to msrest: `Activity().deserialize` builds
# a new one per call, which costs more than the reading (it keeps no state between calls).
_MSREST = Deserializer(Activity._infer_class_models())  # type: ignore[no-untyped-call]
_MODELS: dict[str, type[Model]] = {
    "ChannelAccount": ChannelAccount, "ConversationAccount": ConversationAccount,
    "Entity": Entity,
}
_PLAIN = {"str": str, "bool": bool}


class _Unread(Exception):
    """The JSON is not of the plain kind read here: msrest reads it."""


def read_activity_json(body: dict[str, Any]) -> Activity:
    """`body` as an `Activity`, or msrest's DeserializationError (a ValueError)."""
    try:
        activity = _model(Activity, body)
    except _Unread:
        activity = _MSREST("Activity", body)
    assert isinstance(activity, Activity)
    return activity


def _model(cls: type[Model], data: object) -> Model:
    if not isinstance(data, dict):
        raise _Unread
    values: dict[str, Any] = {}
    known: set[str] = set()
    for name, described in cls._attribute_map.items():
        key, kind = described["key"], described["type"]
        known.add(key)
        if key in data:
            values[name] = _value(kind, data[key])
    made = cls(**values)
    # What msrest keeps of keys the schema does not name (`conversation.tenantId`).
    made.additional_properties = {key: data[key] for key in data.keys() - known}
    return made


_SCALARS = (str, int, float, bool)


def _free(value: object) -> object:
    """Free JSON (`value`, `channelData`) as msrest's `deserialize_object` reads it: the
    same values, copied (msrest converts each scalar with an `eval` of its type's name)."""
    kind = type(value)
    if kind is dict:
        return {key: _free(item) for key, item in value.items()}  # type: ignore[attr-defined]
    if kind is list:
        return [_free(item) for item in value]  # type: ignore[attr-defined]
    if kind in _SCALARS or value is None:
        return value
    return _MSREST.deserialize_object(value)  # type: ignore[no-untyped-call]


def _value(kind: str, value: object) -> object:
    if value is None:
        return None
    plain = _PLAIN.get(kind)
    if plain is not None:
        if type(value) is not plain:  # msrest would convert it (5 -> "5"): let it
            raise _Unread
        return value
    if kind == "object":
        return _free(value)
    if kind == "iso-8601":
        if not isinstance(value, str):
            raise _Unread
        try:
            return Deserializer.deserialize_iso(value)  # type: ignore[no-untyped-call]
        except Exception:  # msrest says what is wrong with it, in its own words
            raise _Unread from None
    if kind.startswith("[") and kind[1:-1] in _MODELS:
        if not isinstance(value, list):
            raise _Unread
        return [_model(_MODELS[kind[1:-1]], item) for item in value]
    if kind in _MODELS:
        return _model(_MODELS[kind], value)
    raise _Unread
