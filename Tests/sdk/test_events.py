"""Every event byok-host emits passes the SDK's own parser, `session_event_from_dict`, as a known type.

One session goes through each kind of turn the suite covers: a streamed tool call that is approved, one
that is denied, log messages, a failed turn, an abort, and a resume in a new process. The test keeps the
raw `session.event` envelopes and the `session.getMessages` results from the wire, parses each with the
SDK's parser, and checks that the SDK delivered every event to `session.on`. (The autouse fixture
`events_parse_cleanly` applies the same parse check to every other test.)
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from copilot import PermissionHandler, define_tool
from copilot.generated.rpc import PermissionDecisionApproveOnce, PermissionDecisionReject
from copilot.session_events import SessionEventType, session_event_from_dict

from processes import launch_mock_provider, stop_process
from sdk_harness import (
    CANARY_PREFIX,
    MODEL,
    TURN_TIMEOUT,
    EventRecorder,
    create_byok_session,
    event_parse_problems,
    files_containing,
    open_client,
    provider_config,
    run,
    runtime_pids,
)

SCRIPT = {
    "model": MODEL,
    "replies": [
        {"toolCalls": [{"id": "call_1", "name": "lookup", "arguments": {"key": "a"}}]},
        {"chunks": ["Found ", "it"]},
        {"toolCalls": [{"id": "call_2", "name": "lookup", "arguments": {"key": "b"}}]},
        {"text": "Not allowed, fine"},
        {"status": 400, "body": {"error": {"message": "Bad request on purpose"}}},
        {"text": "one two three", "stallAfterChunks": 1},
        {"text": "Resumed"},
    ],
}

# The event types these turns must produce; a missing one means a code path went untested.
EXPECTED_TYPES = {
    "session.start",
    "session.resume",
    "user.message",
    "pending_messages.modified",
    "assistant.turn_start",
    "assistant.message_start",
    "assistant.message_delta",
    "assistant.message",
    "assistant.usage",
    "session.usage_info",
    "assistant.turn_end",
    "session.idle",
    "permission.requested",
    "permission.completed",
    "tool.execution_start",
    "external_tool.requested",
    "external_tool.completed",
    "tool.execution_complete",
    "session.info",
    "session.warning",
    "session.error",
    "abort",
}


class LookupParams(BaseModel):
    key: str


@define_tool(description="Looks a key up")
def lookup(params: LookupParams) -> str:
    return f"value of {params.key}"


def approve_first_only():
    """Return a permission handler that approves its first request and rejects every later one."""
    decisions = [PermissionDecisionApproveOnce()]

    def decide(request, invocation):
        return decisions.pop() if decisions else PermissionDecisionReject(feedback="No more lookups")

    return decide


async def drive_session(binary, state_dir, base_url):
    """Run every kind of turn in one session, then resume it in a new process; return both clients' logs."""
    async with open_client(binary, state_dir) as first:
        session = await create_byok_session(
            first.client, base_url, tools=[lookup], on_permission_request=approve_first_only(), streaming=True
        )
        recorder = EventRecorder()
        session.on(recorder)
        await session.send_and_wait("Look up a", timeout=TURN_TIMEOUT)
        await session.send_and_wait("Look up b", timeout=TURN_TIMEOUT)
        await session.log("An info line")
        await session.log("A warning line", level="warning")
        await session.send("Fail this turn")
        await recorder.wait_for("session.idle", count=3)
        await session.send("Start a long story")
        await recorder.wait_for("assistant.message_delta", where=lambda event: "one" in event.data.delta_content)
        await session.abort()
        await recorder.wait_for("session.idle", count=4)
        await session.get_events()

    async with open_client(binary, state_dir) as second:
        resumed = await second.client.resume_session(
            session.session_id,
            on_permission_request=PermissionHandler.approve_all,
            provider=provider_config(base_url),
            tools=[lookup],
        )
        resumed_recorder = EventRecorder()
        resumed.on(resumed_recorder)
        await resumed.send_and_wait("Anything else?", timeout=TURN_TIMEOUT)
        await resumed.get_events()

    return session.session_id, [(first.wire, recorder), (second.wire, resumed_recorder)]


def history_envelopes(wire) -> list[dict]:
    return [event for record in wire.requests_of("session.getMessages") for event in record.result["events"]]


@pytest.fixture(scope="module")
def driven_session(byok_host_binary, tmp_path_factory):
    """Drive the session once for the whole module, because each run takes several seconds with the fork.

    Returns the session id and, per client, its wire log and the events `session.on` received.
    """
    folder = tmp_path_factory.mktemp("events")
    state_dir = folder / "state"
    state_dir.mkdir()
    provider = launch_mock_provider(byok_host_binary, folder / "mock-provider", SCRIPT)
    try:
        result = run(drive_session(byok_host_binary, state_dir, provider.base_url))
    finally:
        stop_process(provider.process)
    # The function-scoped checks of conftest.py do not see this state dir, so it is checked here.
    assert runtime_pids(byok_host_binary, state_dir) == []
    assert files_containing(state_dir, CANARY_PREFIX) == []
    return result


def test_every_event_parses(driven_session):
    session_id, clients = driven_session

    raw = [event for wire, _ in clients for event in wire.raw_events(session_id)]
    assert event_parse_problems(raw) == []


def test_history_parses(driven_session):
    _, clients = driven_session

    history = [event for wire, _ in clients for event in history_envelopes(wire)]
    assert history, "no session.getMessages result was recorded"
    assert event_parse_problems(history) == []


def test_parsed_type_matches_wire(driven_session):
    session_id, clients = driven_session

    raw = [event for wire, _ in clients for event in wire.raw_events(session_id)]
    mismatched = [event["type"] for event in raw if session_event_from_dict(event).type.value != event["type"]]
    assert mismatched == []
    assert SessionEventType.UNKNOWN.value not in {event["type"] for event in raw}


def test_turns_cover_event_types(driven_session):
    session_id, clients = driven_session

    seen = {event["type"] for wire, _ in clients for event in wire.raw_events(session_id)}
    assert EXPECTED_TYPES - seen == set()


def test_sdk_delivers_every_event(driven_session):
    session_id, clients = driven_session

    for wire, recorder in clients:
        raw_ids = [event["id"] for event in wire.raw_events(session_id)]
        # session.start and session.resume arrive while create or resume runs, before `session.on`.
        delivered_ids = [str(event.id) for event in recorder.events]
        assert raw_ids[len(raw_ids) - len(delivered_ids) :] == delivered_ids
        assert len(raw_ids) - len(delivered_ids) == 1
