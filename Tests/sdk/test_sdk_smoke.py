"""Smoke tests: the SDK under test drives byok-host as its runtime for one plain turn.

Each test spawns the real binary through the SDK over stdio pipes, creates a BYOK session whose OpenAI
provider is the scripted mock provider on loopback, runs one turn and stops the client.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from copilot import PermissionHandler
from copilot.session_events import (
    AssistantMessageData,
    AssistantMessageDeltaData,
    SessionEvent,
    SessionEventType,
    SessionStartData,
    UserMessageData,
)

from sdk_harness import (
    CANARY_API_KEY,
    MODEL,
    TURN_TIMEOUT,
    files_containing,
    json_text,
    open_client,
    provider_config,
    run,
    runtime_pids,
)

PROMPT = "Say hello to the smoke test"
REPLY_TEXT = "Hello from the mock"
REPLY_CHUNKS = ["Hello", " from", " the mock"]

# One reply. The mock answers a second chat request with HTTP 500, so a runtime that calls twice fails.
SCRIPT = {
    "model": MODEL,
    "replies": [{"text": REPLY_TEXT, "chunks": REPLY_CHUNKS}],
    "afterLast": "error",
}

# In client.stop() the official SDK (1.0.27) waits up to 10 s for the runtime to exit after closing its
# stdin and then sends SIGTERM, so a stop slower than GRACEFUL_EXIT_LIMIT means EOF was ignored. The
# fork (2.4.0) sends SIGTERM at once and SIGKILL 5 s later, so there it means SIGTERM was ignored.
GRACEFUL_EXIT_LIMIT = 4.5


@dataclass
class TurnResult:
    """The events of one SDK turn and the runtime processes seen before and after `client.stop()`."""

    session_id: str
    reply: SessionEvent | None
    live_events: list[SessionEvent]
    history: list[SessionEvent]
    runtime_pids_before_stop: list[int]
    runtime_pids_after_stop: list[int] = field(default_factory=list)
    stop_seconds: float = 0.0

    def events_of(self, event_type: SessionEventType) -> list[SessionEvent]:
        return [event for event in self.live_events if event.type == event_type]


def run_turn(
    binary: Path, state_dir: Path, base_url: str, *, streaming: bool, log_level: str = "info"
) -> TurnResult:
    """Start a client on `binary`, send PROMPT in a BYOK session on `base_url`, then stop the client."""
    return run(run_turn_async(binary, state_dir, base_url, streaming=streaming, log_level=log_level))


async def run_turn_async(
    binary: Path, state_dir: Path, base_url: str, *, streaming: bool, log_level: str
) -> TurnResult:
    async with open_client(binary, state_dir, log_level=log_level) as host:
        session = await host.client.create_session(
            on_permission_request=PermissionHandler.approve_all,
            model=MODEL,
            provider=provider_config(base_url),
            streaming=streaming,
        )
        live_events: list[SessionEvent] = []
        session.on(live_events.append)

        reply = await session.send_and_wait(PROMPT, timeout=TURN_TIMEOUT)
        # Copy the live events now, because whatever arrives later was not part of this send.
        events_at_reply = list(live_events)
        history = await session.get_events()
        result = TurnResult(
            session_id=session.session_id,
            reply=reply,
            live_events=events_at_reply,
            history=history,
            runtime_pids_before_stop=runtime_pids(binary, state_dir),
        )

        result.stop_seconds = await host.stop()
        result.runtime_pids_after_stop = runtime_pids(binary, state_dir)
        return result


def test_send_and_wait_returns_mock_text(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SCRIPT)

    result = run_turn(byok_host_binary, state_dir, provider.base_url, streaming=False)

    assert result.reply is not None, "send_and_wait returned no assistant message"
    assert result.reply.type == SessionEventType.ASSISTANT_MESSAGE
    assert isinstance(result.reply.data, AssistantMessageData)
    assert result.reply.data.content == REPLY_TEXT


def test_send_ends_with_session_idle(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SCRIPT)

    result = run_turn(byok_host_binary, state_dir, provider.base_url, streaming=False)

    types = [event.type.value for event in result.live_events]
    assert types, "the session emitted no events during the turn"
    assert types[-1] == "session.idle", f"last event is {types[-1]}; all: {types}"
    assert types.count("session.idle") == 1, f"expected one session.idle; all: {types}"


def test_provider_receives_byok_request(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SCRIPT)

    run_turn(byok_host_binary, state_dir, provider.base_url, streaming=False)

    requests = provider.recorded_requests()
    assert len(requests) == 1, f"expected one provider request, got {len(requests)}: {requests}"
    request = requests[0]
    assert request["method"] == "POST"
    assert request["path"] == "/v1/chat/completions"
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert headers.get("authorization") == f"Bearer {CANARY_API_KEY}"
    assert request["body"]["model"] == MODEL
    assert PROMPT in json_text(request["body"]["messages"])


def test_history_records_turn(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SCRIPT)

    result = run_turn(byok_host_binary, state_dir, provider.base_url, streaming=False)

    history = result.history
    assert history, "session.getMessages returned no events"
    assert isinstance(history[0].data, SessionStartData), f"first event is {history[0].type.value}"
    assert history[0].data.session_id == result.session_id
    user_messages = [event.data.content for event in history if isinstance(event.data, UserMessageData)]
    assert user_messages == [PROMPT]
    replies = [event.data.content for event in history if isinstance(event.data, AssistantMessageData)]
    assert replies == [REPLY_TEXT]


def test_streaming_delivers_deltas(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SCRIPT)

    result = run_turn(byok_host_binary, state_dir, provider.base_url, streaming=True)

    deltas = result.events_of(SessionEventType.ASSISTANT_MESSAGE_DELTA)
    assert deltas, "streaming session emitted no assistant.message_delta"
    delta_data = [event.data for event in deltas]
    assert all(isinstance(data, AssistantMessageDeltaData) for data in delta_data)
    assert "".join(data.delta_content for data in delta_data) == REPLY_TEXT

    assert result.reply is not None, "send_and_wait returned no assistant message"
    final_id = result.reply.data.message_id
    assert {data.message_id for data in delta_data} == {final_id}

    first_delta = result.live_events.index(deltas[0])
    final_message = result.live_events.index(result.events_of(SessionEventType.ASSISTANT_MESSAGE)[-1])
    assert first_delta < final_message, "the first delta arrived after the final assistant.message"


def test_no_deltas_without_streaming(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SCRIPT)

    result = run_turn(byok_host_binary, state_dir, provider.base_url, streaming=False)

    assert result.reply is not None, "send_and_wait returned no assistant message"
    assert result.events_of(SessionEventType.ASSISTANT_MESSAGE_DELTA) == []


def test_stop_leaves_no_runtime_process(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SCRIPT)

    result = run_turn(byok_host_binary, state_dir, provider.base_url, streaming=False)

    assert len(result.runtime_pids_before_stop) == 1, (
        f"expected one byok-host --stdio process before stop, found {result.runtime_pids_before_stop}"
    )
    assert result.runtime_pids_after_stop == [], (
        f"byok-host still running after client.stop(): pids {result.runtime_pids_after_stop}"
    )
    assert not Path(f"/proc/{result.runtime_pids_before_stop[0]}").exists()


def test_stop_exits_promptly(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SCRIPT)

    result = run_turn(byok_host_binary, state_dir, provider.base_url, streaming=False)

    assert result.stop_seconds < GRACEFUL_EXIT_LIMIT, (
        f"client.stop() took {result.stop_seconds:.1f} s, so the runtime did not exit on stdin EOF or SIGTERM"
    )


def test_api_key_not_in_state_dir(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SCRIPT)

    result = run_turn(byok_host_binary, state_dir, provider.base_url, streaming=True)

    events_file = state_dir / "session-state" / result.session_id / "events.jsonl"
    assert events_file.is_file(), f"session was not persisted at {events_file}"
    assert files_containing(state_dir, CANARY_API_KEY) == []


def test_api_key_not_in_runtime_log(byok_host_binary, state_dir, start_mock_provider, caplog):
    provider = start_mock_provider(SCRIPT)
    # The SDK logs each runtime stderr line as a WARNING "[CLI] <line>" on the copilot._jsonrpc logger.
    caplog.set_level(logging.DEBUG, logger="copilot")

    run_turn(byok_host_binary, state_dir, provider.base_url, streaming=True, log_level="debug")

    runtime_lines = [record.getMessage() for record in caplog.records if record.getMessage().startswith("[CLI]")]
    assert runtime_lines, "the runtime wrote nothing to stderr at --log-level debug"
    leaked = [line for line in runtime_lines if CANARY_API_KEY in line]
    assert leaked == []
