"""Smoke tests: the official Python SDK (github-copilot-sdk 1.0.27) drives byok-host as its runtime.

Each test spawns the real binary through the SDK over stdio pipes, creates a BYOK session whose OpenAI
provider is the scripted mock provider on loopback, runs one turn and stops the client.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from copilot import CopilotClient, PermissionHandler, RuntimeConnection
from copilot.session_events import (
    AssistantMessageData,
    AssistantMessageDeltaData,
    SessionEvent,
    SessionEventType,
    SessionStartData,
    UserMessageData,
)

# A distinctive fake key, so a leak is found by a plain substring search.
CANARY_API_KEY = "sk-canary-b7e3f19a-byok-host-sdk-smoke"
MODEL = "mock-model"
PROMPT = "Say hello to the smoke test"
REPLY_TEXT = "Hello from the mock"
REPLY_CHUNKS = ["Hello", " from", " the mock"]

# One reply. The mock answers a second chat request with HTTP 500, so a runtime that calls twice fails.
SCRIPT = {
    "model": MODEL,
    "replies": [{"text": REPLY_TEXT, "chunks": REPLY_CHUNKS}],
    "afterLast": "error",
}

# Bounds in seconds. In client.stop() the SDK (1.0.27) waits up to 10 s for the runtime to exit after
# closing its stdin and then sends SIGTERM, so a stop slower than GRACEFUL_EXIT_LIMIT means EOF was ignored.
TURN_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
TEST_TIMEOUT = 90.0
GRACEFUL_EXIT_LIMIT = 8.0


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
    return asyncio.run(
        asyncio.wait_for(
            run_turn_async(binary, state_dir, base_url, streaming=streaming, log_level=log_level),
            timeout=TEST_TIMEOUT,
        )
    )


async def run_turn_async(
    binary: Path, state_dir: Path, base_url: str, *, streaming: bool, log_level: str
) -> TurnResult:
    client = CopilotClient(
        connection=RuntimeConnection.for_stdio(path=str(binary)),
        base_directory=str(state_dir),
        working_directory=str(state_dir.parent),
        log_level=log_level,
    )
    stopped = False
    try:
        session = await client.create_session(
            on_permission_request=PermissionHandler.approve_all,
            model=MODEL,
            provider={"type": "openai", "base_url": base_url, "api_key": CANARY_API_KEY},
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

        started = time.monotonic()
        await asyncio.wait_for(client.stop(), timeout=STOP_TIMEOUT)
        stopped = True
        result.stop_seconds = time.monotonic() - started
        result.runtime_pids_after_stop = runtime_pids(binary, state_dir)
        return result
    finally:
        if not stopped:
            await client.force_stop()


def runtime_pids(binary: Path, state_dir: Path) -> list[int]:
    """Return the pids of running processes that execute `binary` with `--stdio` for this test.

    A process belongs to the test when its environment has `COPILOT_HOME=<state_dir>`, so a runtime that
    detached from the SDK is found too. The mock provider runs the same binary without `--stdio`, so it is
    not counted. Zombies are skipped because they no longer run.
    """
    home_entry = b"COPILOT_HOME=" + os.fsencode(state_dir)
    pids: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
            environment = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue  # The process exited between listing and reading, or is not ours to read.
        # The state is the first field after the parenthesised command name.
        state = stat.rsplit(")", 1)[1].split()[0]
        if state == "Z" or home_entry not in environment:
            continue
        if arguments[0] == os.fsencode(binary) and b"--stdio" in arguments:
            pids.append(int(entry.name))
    return pids


def files_containing(root: Path, needle: str) -> list[Path]:
    """Return every file under `root` whose bytes contain `needle`."""
    encoded = needle.encode("utf-8")
    return [path for path in root.rglob("*") if path.is_file() and encoded in path.read_bytes()]


def json_text(value: object) -> str:
    """Return `value` as JSON text, for substring checks on request bodies."""
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture(autouse=True)
def no_runtime_left_behind(byok_host_binary, state_dir):
    """Fail a test that leaves its byok-host runtime running, even when the test itself failed."""
    yield
    assert runtime_pids(byok_host_binary, state_dir) == []


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


def test_stop_exits_on_stdin_eof(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SCRIPT)

    result = run_turn(byok_host_binary, state_dir, provider.base_url, streaming=False)

    assert result.stop_seconds < GRACEFUL_EXIT_LIMIT, (
        f"client.stop() took {result.stop_seconds:.1f} s, so the runtime did not exit when its stdin closed"
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
