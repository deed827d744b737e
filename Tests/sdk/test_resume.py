"""Resuming a session in a new byok-host process, and listing, describing and deleting sessions."""

from __future__ import annotations

import pytest
from copilot import PermissionHandler

from sdk_harness import (
    MODEL,
    TURN_TIMEOUT,
    EventRecorder,
    create_byok_session,
    open_client,
    process_running,
    provider_config,
    run,
)

FIRST_PROMPT = "Remember the number 42"
SECOND_PROMPT = "Which number was it?"
RESUME_SCRIPT = {
    "model": MODEL,
    "replies": [
        {"text": "Noted: 42"},
        {"text": "It was 42", "expect": {"messagesContain": [FIRST_PROMPT, "Noted: 42", SECOND_PROMPT]}},
    ],
}


async def run_first_turn(binary, state_dir, base_url, prompt=FIRST_PROMPT) -> tuple[str, int | None]:
    """Run one turn in a new session on its own client and stop it; return the session id and runtime pid."""
    async with open_client(binary, state_dir) as host:
        session = await create_byok_session(host.client, base_url)
        await session.send_and_wait(prompt, timeout=TURN_TIMEOUT)
        return session.session_id, host.pid


async def resume(client, session_id: str, base_url: str, **options):
    return await client.resume_session(
        session_id, on_permission_request=PermissionHandler.approve_all, provider=provider_config(base_url), **options
    )


def test_resume_in_new_process(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(RESUME_SCRIPT)

    async def scenario():
        session_id, first_pid = await run_first_turn(byok_host_binary, state_dir, provider.base_url)
        async with open_client(byok_host_binary, state_dir) as host:
            session = await resume(host.client, session_id, provider.base_url)
            reply = await session.send_and_wait(SECOND_PROMPT, timeout=TURN_TIMEOUT)
            return first_pid, host.pid, reply, await session.get_events()

    first_pid, second_pid, reply, history = run(scenario())

    assert first_pid is not None and second_pid is not None
    assert second_pid != first_pid, "the second client reused the first runtime process"
    assert not process_running(first_pid)
    assert reply is not None and reply.data.content == "It was 42"
    messages = provider.chat_requests()[1]["body"]["messages"]
    conversation = [(message["role"], message["content"]) for message in messages if message["role"] != "system"]
    assert conversation == [("user", FIRST_PROMPT), ("assistant", "Noted: 42"), ("user", SECOND_PROMPT)]
    types = [event.type.value for event in history]
    assert types.count("session.resume") == 1
    assert [event.data.content for event in history if event.type.value == "user.message"] == [
        FIRST_PROMPT,
        SECOND_PROMPT,
    ]


def test_resume_applies_streaming(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": MODEL, "replies": [{"text": "Plain"}, {"chunks": ["Now ", "streamed"]}]})

    async def scenario():
        session_id, _ = await run_first_turn(byok_host_binary, state_dir, provider.base_url)
        async with open_client(byok_host_binary, state_dir) as host:
            session = await resume(host.client, session_id, provider.base_url, streaming=True)
            recorder = EventRecorder()
            session.on(recorder)
            await session.send_and_wait(SECOND_PROMPT, timeout=TURN_TIMEOUT)
            return recorder

    recorder = run(scenario())

    assert [event.data.delta_content for event in recorder.of_type("assistant.message_delta")] == ["Now ", "streamed"]


def test_resume_unknown_session(byok_host_binary, state_dir):
    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            with pytest.raises(Exception) as raised:
                await resume(host.client, "no-such-session", "http://127.0.0.1:9/v1")
            return raised.value

    error = run(scenario())

    assert "Session not found" in str(error)


def test_list_sessions(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": MODEL, "replies": [{"text": "One"}, {"text": "Two"}]})

    async def scenario():
        first, _ = await run_first_turn(byok_host_binary, state_dir, provider.base_url, "First session prompt")
        second, _ = await run_first_turn(byok_host_binary, state_dir, provider.base_url, "Second session prompt")
        async with open_client(byok_host_binary, state_dir) as host:
            return first, second, await host.client.list_sessions()

    first, second, sessions = run(scenario())

    by_id = {entry.session_id: entry for entry in sessions}
    assert set(by_id) == {first, second}
    assert by_id[first].summary == "First session prompt"
    assert by_id[first].is_remote is False
    assert by_id[first].context.working_directory == str(state_dir.parent)
    assert by_id[first].start_time <= by_id[first].modified_time


def test_last_session_id(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": MODEL, "replies": [{"text": "One"}, {"text": "Two"}]})

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            before = await host.client.get_last_session_id()
        await run_first_turn(byok_host_binary, state_dir, provider.base_url)
        second, _ = await run_first_turn(byok_host_binary, state_dir, provider.base_url)
        async with open_client(byok_host_binary, state_dir) as host:
            return before, second, await host.client.get_last_session_id()

    before, second, last = run(scenario())

    assert before is None
    assert last == second


def test_session_metadata(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(RESUME_SCRIPT)

    async def scenario():
        session_id, _ = await run_first_turn(byok_host_binary, state_dir, provider.base_url)
        async with open_client(byok_host_binary, state_dir) as host:
            known = await host.client.get_session_metadata(session_id)
            unknown = await host.client.get_session_metadata("no-such-session")
            return session_id, known, unknown

    session_id, known, unknown = run(scenario())

    assert known is not None
    assert known.session_id == session_id
    assert known.summary == FIRST_PROMPT
    assert unknown is None


def test_delete_session(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(RESUME_SCRIPT)

    async def scenario():
        session_id, _ = await run_first_turn(byok_host_binary, state_dir, provider.base_url)
        async with open_client(byok_host_binary, state_dir) as host:
            lifecycle = []
            host.client.on_lifecycle(lifecycle.append)
            await host.client.delete_session(session_id)
            metadata = await host.client.get_session_metadata(session_id)
            listed = await host.client.list_sessions()
            with pytest.raises(Exception) as raised:
                await resume(host.client, session_id, provider.base_url)
            return session_id, lifecycle, metadata, listed, raised.value

    session_id, lifecycle, metadata, listed, resume_error = run(scenario())

    assert metadata is None
    assert listed == []
    assert "Session not found" in str(resume_error)
    assert [(type(event).__name__, event.session_id) for event in lifecycle] == [("SessionDeletedEvent", session_id)]
    assert not (state_dir / "session-state" / session_id).exists()


def test_delete_unknown_session(byok_host_binary, state_dir):
    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            with pytest.raises(RuntimeError) as raised:
                await host.client.delete_session("no-such-session")
            return raised.value

    error = run(scenario())

    assert "failed to delete session no-such-session" in str(error).lower()
