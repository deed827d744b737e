"""Sessions through the SDK: create options that reach the provider, send and send_and_wait, streamed
deltas, history, abort, disconnect and failed turns.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from copilot._jsonrpc import JsonRpcError  # Private in both packages; it is what their calls raise.

from sdk_harness import (
    CANARY_API_KEY,
    MODEL,
    TURN_TIMEOUT,
    EventRecorder,
    create_byok_session,
    json_text,
    open_client,
    run,
    start_streamed_turn,
)

CHUNKS = ["Alpha ", "beta ", "gamma"]
STREAMED_SCRIPT = {"model": MODEL, "replies": [{"chunks": CHUNKS}]}
# A reply that streams two chunks and then keeps the connection open until the client closes it.
STALLED_REPLY = {"text": "one two three four", "stallAfterChunks": 2}
# How long the mock provider may take to record that byok-host closed an aborted request.
CLIENT_CLOSE_TIMEOUT = 5.0


def system_message_of(request: dict) -> str | None:
    messages = request["body"]["messages"]
    return messages[0]["content"] if messages[0]["role"] == "system" else None


async def wait_for_client_close(provider, count: int = 1) -> list[dict]:
    """Poll the mock's record file until `count` client closes are recorded or CLIENT_CLOSE_TIMEOUT passes."""
    deadline = time.monotonic() + CLIENT_CLOSE_TIMEOUT
    while len(provider.recorded_client_closes()) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return provider.recorded_client_closes()


def run_one_turn(binary, state_dir, mock, prompt: str = "Hello", **options):
    """Send `prompt` with send_and_wait in a new session created with `options`; return the reply and the
    params of the `session.create` request.
    """

    async def scenario():
        async with open_client(binary, state_dir) as host:
            session = await create_byok_session(host.client, mock.base_url, **options)
            reply = await session.send_and_wait(prompt, timeout=TURN_TIMEOUT)
            return reply, host.wire.requests_of("session.create")[0].params

    return run(scenario())


def test_session_start_reaches_on_event(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(STREAMED_SCRIPT)
    project = state_dir.parent / "project"
    project.mkdir()

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            early = EventRecorder()
            session = await create_byok_session(
                host.client, provider.base_url, on_event=early, working_directory=str(project)
            )
            return session.session_id, early.events

    session_id, events = run(scenario())

    assert [event.type.value for event in events][:1] == ["session.start"]
    start = events[0].data
    assert start.session_id == session_id
    assert start.selected_model == MODEL
    assert start.context.cwd == str(project)


def test_create_notifies_lifecycle(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(STREAMED_SCRIPT)

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            lifecycle = []
            host.client.on_lifecycle(lifecycle.append)
            session = await create_byok_session(host.client, provider.base_url)
            return session.session_id, lifecycle

    session_id, lifecycle = run(scenario())

    assert [(type(event).__name__, event.session_id) for event in lifecycle] == [("SessionCreatedEvent", session_id)]
    assert lifecycle[0].metadata is not None
    assert lifecycle[0].metadata.start_time is not None


def test_system_message_append(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(STREAMED_SCRIPT)

    run_one_turn(
        byok_host_binary, state_dir, provider, system_message={"mode": "append", "content": "Answer in haiku."}
    )

    system = system_message_of(provider.chat_requests()[0])
    assert system is not None, "the request has no system message"
    assert system.endswith("\n\nAnswer in haiku.")
    assert len(system) > len("\n\nAnswer in haiku."), "append mode dropped the host's own system prompt"


def test_system_message_replace(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(STREAMED_SCRIPT)

    run_one_turn(
        byok_host_binary, state_dir, provider, system_message={"mode": "replace", "content": "You are a pirate."}
    )

    assert system_message_of(provider.chat_requests()[0]) == "You are a pirate."


def test_create_options_reach_provider(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(STREAMED_SCRIPT)

    run_one_turn(
        byok_host_binary,
        state_dir,
        provider,
        client_name="compat-suite",
        reasoning_effort="high",
        provider={
            "type": "openai",
            "base_url": provider.base_url,
            "api_key": CANARY_API_KEY,
            "headers": {"X-Compat-Suite": "on"},
            "wire_model": "wire-model-name",
        },
    )

    request = provider.chat_requests()[0]
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert "compat-suite" in headers.get("user-agent", "")
    assert headers.get("x-compat-suite") == "on"
    assert request["body"]["model"] == "wire-model-name"
    assert request["body"].get("reasoning_effort") == "high"


def test_optional_handlers_accepted(byok_host_binary, state_dir, start_mock_provider):
    # hooks and on_user_input_request make the SDK send `hooks: true` and `requestUserInput: true`.
    # NOTE: byok-host accepts both flags but calls neither `hooks.invoke` nor `userInput.request`, so
    # this checks only that a session with them works.
    provider = start_mock_provider(STREAMED_SCRIPT)

    reply, create_params = run_one_turn(
        byok_host_binary,
        state_dir,
        provider,
        hooks={"on_pre_tool_use": lambda hook_input, invocation: None},
        on_user_input_request=lambda request, invocation: {"answer": "yes", "wasFreeform": True},
    )

    assert create_params.get("hooks") is True
    assert create_params.get("requestUserInput") is True
    assert reply is not None and reply.data.content == "".join(CHUNKS)


def test_send_returns_before_idle(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": MODEL, "replies": [{"text": "Slow answer", "delayMs": 300}]})

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session = await create_byok_session(host.client, provider.base_url)
            recorder = EventRecorder()
            session.on(recorder)
            message_id = await session.send("Take your time")
            idle_before_send_returned = bool(recorder.of_type("session.idle"))
            await recorder.wait_for("session.idle")
            return message_id, idle_before_send_returned, recorder, host.wire.raw_events(session.session_id)

    message_id, idle_before_send_returned, recorder, raw_events = run(scenario())

    assert not idle_before_send_returned, "send() waited for the whole turn"
    # The fork's event classes predate `user.message.messageId`, so the ids are read from the raw events.
    user_messages = [event["data"] for event in raw_events if event["type"] == "user.message"]
    assert [data.get("messageId") for data in user_messages] == [message_id]
    replies = [event["data"] for event in raw_events if event["type"] == "assistant.message"]
    assert [data.get("originatingMessageId") for data in replies] == [message_id]
    assert recorder.types()[-1] == "session.idle"


def test_send_and_wait_keeps_conversation(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": MODEL, "replies": [{"text": "First answer"}, {"text": "Second answer"}]})

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session = await create_byok_session(host.client, provider.base_url)
            first = await session.send_and_wait("First question", timeout=TURN_TIMEOUT)
            second = await session.send_and_wait("Second question", timeout=TURN_TIMEOUT)
            return first, second

    first, second = run(scenario())

    assert first is not None and first.data.content == "First answer"
    assert second is not None and second.data.content == "Second answer"
    messages = provider.chat_requests()[1]["body"]["messages"]
    conversation = [(message["role"], message["content"]) for message in messages if message["role"] != "system"]
    assert conversation == [
        ("user", "First question"),
        ("assistant", "First answer"),
        ("user", "Second question"),
    ]


def test_send_and_wait_protocol(byok_host_binary, state_dir, start_mock_provider, sdk):
    provider = start_mock_provider({"model": MODEL, "replies": [{"text": "One"}, {"text": "Two"}]})

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session = await create_byok_session(host.client, provider.base_url)
            await session.send_and_wait("One?", timeout=TURN_TIMEOUT)
            await session.send_and_wait("Two?", timeout=TURN_TIMEOUT)
            return host.wire.requests_of("session.sendAndWait"), host.wire.requests_of("session.send")

    tries, sends = run(scenario())

    assert len(sends) == 2
    if sdk.tries_send_and_wait_rpc:
        # The official SDK tries session.sendAndWait once; byok-host returns -32601, and the SDK then
        # falls back to session.send for the rest of the session.
        assert len(tries) == 1
        assert isinstance(tries[0].error, JsonRpcError)
        assert tries[0].error.code == -32601
    else:
        assert tries == []


def test_deltas_arrive_in_order(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(STREAMED_SCRIPT)

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session = await create_byok_session(host.client, provider.base_url, streaming=True)
            recorder = EventRecorder()
            session.on(recorder)
            reply = await session.send_and_wait("Stream please", timeout=TURN_TIMEOUT)
            return reply, recorder

    reply, recorder = run(scenario())

    deltas = recorder.of_type("assistant.message_delta")
    assert [event.data.delta_content for event in deltas] == CHUNKS
    assert {event.data.message_id for event in deltas} == {reply.data.message_id}
    types = recorder.types()
    assert types.index("assistant.message_delta") < types.index("assistant.message")
    assert reply.data.content == "".join(CHUNKS)


def test_get_events_returns_history(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(STREAMED_SCRIPT)

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session = await create_byok_session(host.client, provider.base_url, streaming=True)
            await session.send_and_wait("Remember this", timeout=TURN_TIMEOUT)
            return session.session_id, await session.get_events()

    session_id, history = run(scenario())

    types = [event.type.value for event in history]
    assert types[0] == "session.start"
    assert history[0].data.session_id == session_id
    assert types.index("user.message") < types.index("assistant.message")
    assert [event.data.content for event in history if event.type.value == "user.message"] == ["Remember this"]
    # Ephemeral events are streamed but not persisted.
    assert "assistant.message_delta" not in types
    assert "session.idle" not in types


def test_abort_cancels_stalled_turn(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": MODEL, "replies": [STALLED_REPLY]})

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session, recorder = await start_streamed_turn(host.client, provider.base_url, "Tell me a long story")
            await session.abort()
            idle = await recorder.wait_for("session.idle")
            return idle, recorder, await wait_for_client_close(provider), await session.get_events()

    idle, recorder, closes, history = run(scenario())

    assert idle.data.aborted is True
    aborts = recorder.of_type("abort")
    assert [event.data.reason.value for event in aborts] == ["user_initiated"]
    assert [close["request"] for close in closes] == [1], "byok-host did not close the aborted HTTP request"
    assert "abort" in [event.type.value for event in history]


def test_send_after_abort(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": MODEL, "replies": [STALLED_REPLY, {"text": "Fresh start"}]})

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session, recorder = await start_streamed_turn(host.client, provider.base_url, "Tell me a long story")
            await session.abort()
            await recorder.wait_for("session.idle")
            partial = recorder.of_type("assistant.message")
            reply = await session.send_and_wait("Something short instead", timeout=TURN_TIMEOUT)
            return partial, reply

    partial, reply = run(scenario())

    assert reply is not None and reply.data.content == "Fresh start"
    assert len(partial) == 1, "an abort after a delta should persist the partial assistant message"
    partial_text = partial[0].data.content
    assert partial_text and STALLED_REPLY["text"].startswith(partial_text)
    messages = provider.chat_requests()[1]["body"]["messages"]
    assert {"role": "assistant", "content": partial_text} in messages


def test_send_and_wait_during_abort(byok_host_binary, state_dir, start_mock_provider, sdk):
    provider = start_mock_provider({"model": MODEL, "replies": [STALLED_REPLY]})

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session = await create_byok_session(host.client, provider.base_url, streaming=True)
            recorder = EventRecorder()
            session.on(recorder)
            waiting = asyncio.ensure_future(session.send_and_wait("Tell me a long story", timeout=TURN_TIMEOUT))
            await recorder.wait_for("assistant.message_delta")
            await session.abort()
            try:
                return await waiting, None
            except RuntimeError as error:
                return None, error

    reply, error = run(scenario())

    if sdk.send_and_wait_raises_on_abort:
        assert reply is None
        assert "aborted" in str(error)
    else:
        # The fork's send_and_wait ends at the first session.idle and returns the partial reply.
        assert error is None
        assert reply is not None and STALLED_REPLY["text"].startswith(reply.data.content)


def test_abort_when_idle(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(STREAMED_SCRIPT)

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session = await create_byok_session(host.client, provider.base_url)
            await session.abort()
            await session.abort()
            return await session.send_and_wait("Still fine?", timeout=TURN_TIMEOUT)

    reply = run(scenario())

    assert reply is not None and reply.data.content == "".join(CHUNKS)


def test_disconnect_unloads_session(byok_host_binary, state_dir, start_mock_provider, sdk):
    provider = start_mock_provider(STREAMED_SCRIPT)

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session = await create_byok_session(host.client, provider.base_url)
            await session.send_and_wait("Hello", timeout=TURN_TIMEOUT)
            await session.disconnect()
            with pytest.raises(JsonRpcError) as raised:
                await session.get_events()
            listed = [entry.session_id for entry in await host.client.list_sessions()]
            return session.session_id, host.wire.requests_of(sdk.disconnect_method), raised.value, listed

    session_id, disconnects, error, listed = run(scenario())

    assert [record.params for record in disconnects] == [{"sessionId": session_id}]
    assert disconnects[0].error is None
    assert "Session not found" in error.message
    assert session_id in listed, "disconnect removed the session from disk"


def test_failed_turn_raises(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(
        {"model": MODEL, "replies": [{"status": 400, "body": {"error": {"message": "Unsupported parameter"}}}]}
    )

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session = await create_byok_session(host.client, provider.base_url)
            recorder = EventRecorder()
            session.on(recorder)
            with pytest.raises(Exception) as raised:
                await session.send_and_wait("Trigger an error", timeout=TURN_TIMEOUT)
            await recorder.wait_for("session.idle")
            return raised.value, recorder

    error, recorder = run(scenario())

    assert str(error).startswith("Session error:")
    assert "Unsupported parameter" in str(error)
    errors = recorder.of_type("session.error")
    assert [event.data.status_code for event in errors] == [400]
    assert errors[0].data.error_type == "bad_request"
    assert CANARY_API_KEY not in json_text(errors[0].data.message)
