"""Stopping the runtime through the SDK: `stop()` ends byok-host cleanly, `force_stop()` kills it, and
no runtime process outlives either. The autouse fixture `no_runtime_left_behind` also checks by pid.
"""

from __future__ import annotations

import time

from sdk_harness import (
    MODEL,
    STOP_TIMEOUT,
    TURN_TIMEOUT,
    create_byok_session,
    open_client,
    process_running,
    provider_config,
    run,
    start_streamed_turn,
)

SCRIPT = {"model": MODEL, "replies": [{"text": "Ready to stop"}]}
STALLED_SCRIPT = {"model": MODEL, "replies": [{"text": "This never ends", "stallAfterChunks": 1}]}

# A graceful stop ends well before the SDKs' own limits: the official SDK (1.0.27) waits 10 s for the
# process to exit after closing its stdin, and the fork (2.4.0) sends SIGKILL 5 s after SIGTERM. The
# fork's stop always takes about 2 s, because it joins its reader threads for 1 s each before SIGTERM.
GRACEFUL_STOP_LIMIT = 4.5


def test_stop_exits_cleanly(byok_host_binary, state_dir, start_mock_provider, sdk):
    provider = start_mock_provider(SCRIPT)

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session = await create_byok_session(host.client, provider.base_url)
            await session.send_and_wait("Hello", timeout=TURN_TIMEOUT)
            seconds = await host.stop()
            return host, session.session_id, seconds

    host, session_id, seconds = run(scenario())

    assert seconds < GRACEFUL_STOP_LIMIT
    assert host.process.returncode == 0, f"byok-host exited with status {host.process.returncode}"
    assert not process_running(host.pid)
    assert [record.params for record in host.wire.requests_of(sdk.disconnect_method)] == [{"sessionId": session_id}]
    shutdowns = host.wire.requests_of("runtime.shutdown")
    assert len(shutdowns) == 1
    assert shutdowns[0].error is None


def test_stop_during_turn(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(STALLED_SCRIPT)

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            await start_streamed_turn(host.client, provider.base_url, "Start something long")
            seconds = await host.stop()
            return host, seconds

    host, seconds = run(scenario())

    assert seconds < GRACEFUL_STOP_LIMIT
    assert host.process.returncode == 0, f"byok-host exited with status {host.process.returncode}"
    assert not process_running(host.pid)


def test_force_stop_kills_runtime(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SCRIPT)

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session = await create_byok_session(host.client, provider.base_url)
            await session.send_and_wait("Keep this", timeout=TURN_TIMEOUT)
            await host.force_stop()
            return host, session.session_id

    host, session_id = run(scenario())

    # SIGKILL takes effect asynchronously, so the process may still be listed for a moment.
    deadline = time.monotonic() + STOP_TIMEOUT
    while process_running(host.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_running(host.pid)
    # The fork kills without reaping the process, so the test reaps it to read the status.
    assert host.process.wait(timeout=STOP_TIMEOUT) == -9, "force_stop() should kill the runtime with SIGKILL"
    assert host.wire.requests_of("runtime.shutdown") == []
    events_file = state_dir / "session-state" / session_id / "events.jsonl"
    assert "Keep this" in events_file.read_text(encoding="utf-8")


def test_resume_after_force_stop(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": MODEL, "replies": [{"text": "First"}, {"text": "Second"}]})

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session = await create_byok_session(host.client, provider.base_url)
            await session.send_and_wait("Before the crash", timeout=TURN_TIMEOUT)
            await host.force_stop()
        async with open_client(byok_host_binary, state_dir) as host:
            resumed = await host.client.resume_session(
                session.session_id,
                on_permission_request=lambda request, invocation: None,
                provider=provider_config(provider.base_url),
            )
            reply = await resumed.send_and_wait("After the crash", timeout=TURN_TIMEOUT)
            return reply

    reply = run(scenario())

    assert reply is not None and reply.data.content == "Second"
    messages = provider.chat_requests()[1]["body"]["messages"]
    assert {"role": "user", "content": "Before the crash"} in messages
