"""The SDK's TCP connection modes: a byok-host the SDK spawns without `--stdio`, and an external byok-host
started with `--port 0` and a connection token that clients attach to by URI.
"""

from __future__ import annotations

import asyncio
import socket

import pytest
from copilot import CopilotClient, RuntimeConnection

from sdk_harness import (
    MODEL,
    START_TIMEOUT,
    STOP_TIMEOUT,
    TURN_TIMEOUT,
    create_byok_session,
    open_client,
    process_running,
    run,
)

CONNECTION_TOKEN = "compat-suite-connection-token-81f2"


def uri_connection(host, token: str | None = None) -> RuntimeConnection:
    return RuntimeConnection.for_uri(host.uri, connection_token=token if token is not None else host.token)


def test_spawned_tcp_turn(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": MODEL, "replies": [{"text": "Over TCP"}]})

    async def scenario():
        connection = RuntimeConnection.for_tcp(path=str(byok_host_binary))
        async with open_client(byok_host_binary, state_dir, connection=connection) as host:
            port = host.client.runtime_port
            session = await create_byok_session(host.client, provider.base_url)
            reply = await session.send_and_wait("Hello over TCP", timeout=TURN_TIMEOUT)
            await host.stop()
            return host, port, reply

    host, port, reply = run(scenario())

    assert "--stdio" not in host.process.args
    assert isinstance(port, int) and port > 0
    assert reply is not None and reply.data.content == "Over TCP"
    assert not process_running(host.pid)
    assert host.process.wait(timeout=STOP_TIMEOUT) == 0, "byok-host did not exit cleanly on client.stop()"


def free_loopback_port() -> int:
    """Return a TCP port that was free on 127.0.0.1 a moment ago, for a runtime told to use it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_spawned_tcp_fixed_port(byok_host_binary, state_dir):
    port = free_loopback_port()

    async def scenario():
        connection = RuntimeConnection.for_tcp(path=str(byok_host_binary), port=port)
        async with open_client(byok_host_binary, state_dir, connection=connection) as host:
            return host, host.client.runtime_port, await host.client.ping("fixed port")

    host, runtime_port, pong = run(scenario())

    assert host.process.args[-2:] == ["--port", str(port)]
    assert runtime_port == port
    assert pong.message == "pong: fixed port"


def test_second_client_on_spawned_host(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": MODEL, "replies": [{"text": "Second client answer"}]})

    async def scenario():
        connection = RuntimeConnection.for_tcp(path=str(byok_host_binary), connection_token=CONNECTION_TOKEN)
        async with open_client(byok_host_binary, state_dir, connection=connection) as owner:
            attach = RuntimeConnection.for_uri(f"127.0.0.1:{owner.client.runtime_port}", connection_token=CONNECTION_TOKEN)
            async with open_client(byok_host_binary, state_dir, connection=attach) as guest:
                session = await create_byok_session(guest.client, provider.base_url)
                return await session.send_and_wait("Hello from the guest", timeout=TURN_TIMEOUT)

    reply = run(scenario())

    assert reply is not None and reply.data.content == "Second client answer"


def test_external_host_turn(byok_host_binary, state_dir, start_mock_provider, start_external_host):
    provider = start_mock_provider({"model": MODEL, "replies": [{"text": "From the shared host"}]})
    external = start_external_host(CONNECTION_TOKEN)

    async def scenario():
        async with open_client(byok_host_binary, state_dir, connection=uri_connection(external)) as host:
            session = await create_byok_session(host.client, provider.base_url)
            reply = await session.send_and_wait("Hello", timeout=TURN_TIMEOUT)
        # The SDK must not stop a runtime it did not start, so a later client can still attach.
        async with open_client(byok_host_binary, state_dir, connection=uri_connection(external)) as later:
            pong = await later.client.ping("still up")
        return reply, pong

    reply, pong = run(scenario())

    assert reply is not None and reply.data.content == "From the shared host"
    assert pong.message == "pong: still up"
    assert external.process.poll() is None, "client.stop() ended the external byok-host"


@pytest.mark.parametrize("token", ["wrong-token", None], ids=["wrong", "missing"])
def test_bad_token_rejected(byok_host_binary, state_dir, start_external_host, token):
    external = start_external_host(CONNECTION_TOKEN)

    async def scenario():
        client = CopilotClient(connection=RuntimeConnection.for_uri(external.uri, connection_token=token))
        try:
            with pytest.raises(Exception) as raised:
                await asyncio.wait_for(client.start(), timeout=START_TIMEOUT)
            return raised.value
        finally:
            await asyncio.wait_for(client.force_stop(), timeout=STOP_TIMEOUT)

    error = run(scenario())

    assert "AUTHENTICATION_FAILED" in str(error)
    assert external.process.poll() is None, "a rejected client stopped the external byok-host"


def test_two_clients_own_events(byok_host_binary, state_dir, start_mock_provider, start_external_host):
    scripts = [{"model": MODEL, "replies": [{"text": f"Answer for client {name}", "delayMs": 50}]} for name in "AB"]
    providers = [start_mock_provider(script) for script in scripts]
    external = start_external_host(CONNECTION_TOKEN)

    async def run_client(provider, prompt):
        async with open_client(byok_host_binary, state_dir, connection=uri_connection(external)) as host:
            session = await create_byok_session(host.client, provider.base_url, streaming=True)
            reply = await session.send_and_wait(prompt, timeout=TURN_TIMEOUT)
            return session.session_id, reply, host.wire

    async def scenario():
        return await asyncio.gather(run_client(providers[0], "Question A"), run_client(providers[1], "Question B"))

    (id_a, reply_a, wire_a), (id_b, reply_b, wire_b) = run(scenario())

    assert id_a != id_b
    assert reply_a.data.content == "Answer for client A"
    assert reply_b.data.content == "Answer for client B"
    session_ids_a = {params["sessionId"] for method, params in wire_a.notifications if method == "session.event"}
    session_ids_b = {params["sessionId"] for method, params in wire_b.notifications if method == "session.event"}
    assert session_ids_a == {id_a}
    assert session_ids_b == {id_b}
