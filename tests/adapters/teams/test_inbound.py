"""Activities in Teams' documented shapes, translated into the core's terms."""

from __future__ import annotations

import json
from typing import Any

from botbuilder.schema import Activity
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams import inbound
from adapters.teams.outbound import MessageRef, delivery_error
from bot.flows.delivery import NOT_INSTALLED
from bot.ports.chat import PermanentDeliveryError, RecipientUnreachable, TransientDeliveryError
from tests.e2e.teams.support import TENANT, fixture


def parse(payload: dict[str, Any]) -> Activity:
    return Activity().deserialize(payload)


def test_an_execute_invoke_becomes_a_card_action() -> None:
    action = inbound.card_action(parse(fixture("teams_invoke_adaptive_card_action.json")))
    assert action is not None
    assert action.execute and action.verb == "rate"
    assert action.integer("rating") == 5 and action.string("ticket_id") == "42"
    assert action.string("comment") == "Quick fix, thanks!"


def test_a_submit_message_of_ratebot_becomes_a_card_action() -> None:
    payload = fixture("teams_message_action_submit.json")
    assert inbound.card_action(parse(payload)) is None  # not one of ratebot's buttons
    payload["value"] = {"ratebot": "rate", "prompt": "12", "score": 7}
    action = inbound.card_action(parse(payload))
    assert action is not None and not action.execute
    assert (action.verb, action.integer("prompt"), action.integer("score")) == ("rate", 12, 7)


def test_integers_are_strict() -> None:
    action = inbound.CardAction("rate", {"a": True, "b": "x1", "c": "-3", "d": 4.5}, True)
    assert [action.integer(k) for k in "abcd"] == [None, None, -3, None]


def test_tenant_sender_and_locale() -> None:
    activity = parse(fixture("teams_invoke_adaptive_card_action.json"))
    assert inbound.tenant_of(activity) == TENANT
    sender = inbound.sender_of(activity)
    assert sender.teams_user_id == "29:1Eniglq0-uVL83xNB9GU6w_G5a4SZF0gcJLprZzhtEbel21G"
    assert sender.teams_aad_object_id == "8a9a85f5-748b-4d75-baa5-b8d2f6bfe209"
    assert sender.display_name == "Jane Doe" and sender.locale == "en-US"
    assert sender.email is None


def test_a_personal_reference_drops_the_name_and_the_activity() -> None:
    activity = parse(fixture("teams_installation_update_personal.json"))
    record = inbound.conversation_record(activity, person_id=4)
    reference = json.loads(record.reference)
    assert (record.kind, record.person_id, record.tenant_id) == ("personal", 4, TENANT)
    assert "activityId" not in reference and "name" not in reference["user"]
    assert reference["bot"]["id"].startswith("28:")


def test_a_channel_reference_points_at_the_channel_not_the_thread() -> None:
    payload = fixture("teams_message_action_submit.json")
    payload["conversation"] = {"conversationType": "channel",
                               "id": "19:abc@thread.tacv2;messageid=177"}
    payload["channelData"]["team"] = {"id": "19:team@thread.tacv2"}
    record = inbound.conversation_record(parse(payload), person_id=9)
    assert record.conversation_id == "19:abc@thread.tacv2"
    assert record.person_id is None and record.team_id == "19:team@thread.tacv2"
    assert "user" not in json.loads(record.reference)


def test_a_channel_thread_without_a_conversation_type_is_a_channel_not_personal() -> None:
    # Teams does not always say `conversationType`; the channel data still names the channel.
    payload = fixture("teams_message_action_submit.json")
    payload["conversation"] = {"id": "19:abc@thread.tacv2;messageid=177"}
    payload["channelData"]["team"] = {"id": "19:team@thread.tacv2"}
    payload["channelData"]["channel"] = {"id": "19:abc@thread.tacv2"}
    record = inbound.conversation_record(parse(payload), person_id=9)
    assert (record.kind, record.conversation_id) == ("channel", "19:abc@thread.tacv2")
    assert record.person_id is None and "user" not in json.loads(record.reference)
    group = fixture("teams_message_action_submit.json")
    group["conversation"] = {"id": "19:group@thread.v2", "isGroup": True}
    group["channelData"].pop("team", None)
    group["channelData"].pop("channel", None)
    assert inbound.kind_of(parse(group)) == "groupChat"
    personal = fixture("teams_installation_update_personal.json")
    personal["conversation"].pop("conversationType", None)
    assert inbound.kind_of(parse(personal)) == "personal"


def test_a_conversation_type_teams_does_not_send_is_inferred_not_stored() -> None:
    # Found by the fuzzer: the kind is stored in a short column, and only three mean anything.
    payload = fixture("teams_installation_update_personal.json")
    payload["conversation"]["conversationType"] = "a-made-up-conversation-kind"
    assert inbound.kind_of(parse(payload)) == "personal"
    assert inbound.conversation_record(parse(payload), person_id=9).kind == "personal"


def test_message_text_strips_the_mention_and_html() -> None:
    payload = fixture("teams_message_action_submit.json")
    payload["text"] = "<at>ratebot</at>&nbsp;ratings  <b>stats</b> servicedesk 8\n"
    assert inbound.message_text(parse(payload)) == "ratings stats servicedesk 8"


def test_thread_root() -> None:
    assert inbound.thread_root("19:c@thread.tacv2;messageid=5") == ("19:c@thread.tacv2", "5")
    assert inbound.thread_root("a:personal") == ("a:personal", None)


def test_the_bot_added_to_a_conversation() -> None:
    payload = fixture("teams_installation_update_personal.json")
    assert inbound.bot_was_added(parse(payload))
    payload["action"] = "remove"
    assert not inbound.bot_was_added(parse(payload))
    update = {**payload, "type": "conversationUpdate", "membersAdded": [{"id": "29:someone"}]}
    assert not inbound.bot_was_added(parse(update))
    update["membersAdded"].append(payload["recipient"])
    assert inbound.bot_was_added(parse(update))


class _Response:
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.headers = headers or {}
        self.reason = "x"

    def text(self) -> str:
        return ""


def _http(status: int, headers: dict[str, str] | None = None) -> HttpOperationError:
    error = HttpOperationError.__new__(HttpOperationError)
    error.response = _Response(status, headers)
    return error


def test_connector_failures_map_onto_the_core_errors() -> None:
    throttled = delivery_error(_http(429, {"Retry-After": "30"}))
    assert isinstance(throttled, TransientDeliveryError) and throttled.retry_after == 30.0
    assert isinstance(delivery_error(_http(503)), TransientDeliveryError)
    gone = delivery_error(_http(403), personal=True)
    assert isinstance(gone, RecipientUnreachable) and gone.reason == NOT_INSTALLED
    assert type(delivery_error(_http(403))) is PermanentDeliveryError
    assert isinstance(delivery_error(ClientRequestError("down")), TransientDeliveryError)


def test_message_refs_round_trip_and_refuse_strangers() -> None:
    ref = MessageRef({"conversation": {"id": "a:1"}}, "1000")
    assert MessageRef.decode(ref.encode()) == ref
    for bad in ("", "{}", "[1]", "C123:1700000000.1"):
        try:
            MessageRef.decode(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted")


def test_a_mention_of_the_bot_is_recognised_and_of_others_not() -> None:
    payload = fixture("teams_message_action_submit.json")
    bot = payload["recipient"]
    payload["entities"] = [{"type": "mention", "mentioned": {"id": "29:someone-else"}}]
    assert not inbound.mentions_bot(parse(payload))
    payload["entities"].append({"type": "mention", "mentioned": bot, "text": "<at>x</at>"})
    assert inbound.mentions_bot(parse(payload))


def test_a_conversations_record_is_built_once_for_activities_that_repeat_it() -> None:
    records = inbound.ConversationRecords()
    payload = fixture("teams_invoke_adaptive_card_action.json")
    first = records.of(parse(payload), person_id=4)
    assert first == inbound.conversation_record(parse(payload), person_id=4)
    again = dict(payload, id="another-activity", value=dict(payload["value"]))
    assert records.of(parse(again), person_id=4) is first  # no second serialization


def test_any_change_in_what_the_record_says_builds_it_anew() -> None:
    records = inbound.ConversationRecords()
    payload = fixture("teams_invoke_adaptive_card_action.json")
    first = records.of(parse(payload), person_id=4)
    moved = dict(payload, serviceUrl="https://smba.trafficmanager.net/emea/")
    assert records.of(parse(moved), person_id=4).service_url.endswith("/emea/")
    renamed = dict(payload, recipient=dict(payload["recipient"], name="Ratings"))
    assert '"Ratings"' in records.of(parse(renamed), person_id=4).reference
    assert records.of(parse(payload), person_id=5).person_id == 5
    assert records.of(parse(payload), person_id=4) is first


def test_a_record_once_stored_is_not_stored_again_until_it_changes() -> None:
    records = inbound.ConversationRecords()
    payload = fixture("teams_invoke_adaptive_card_action.json")
    record = records.of(parse(payload), person_id=4)
    assert not records.is_stored(record)
    records.stored(record)
    assert records.is_stored(records.of(parse(payload), person_id=4))
    assert not records.is_stored(records.of(parse(payload), person_id=5))  # came back
    moved = dict(payload, serviceUrl="https://smba.trafficmanager.net/emea/")
    assert not records.is_stored(records.of(parse(moved), person_id=4))
