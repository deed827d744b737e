"""Client-level calls: the handshake, ping, status, auth status, the model list, and methods byok-host
does not implement, which must fail with -32601 and leave the client usable.
"""

from __future__ import annotations

import os

import pytest
from copilot import PermissionHandler
from copilot._jsonrpc import JsonRpcError  # Private in both packages; it is what their calls raise.
from copilot.generated.rpc import ToolsListRequest

from sdk_harness import CANARY_PREFIX, MODEL, TURN_TIMEOUT, files_containing, open_client, provider_config, run

DEFAULT_PROVIDER_KEY = CANARY_PREFIX + "default-provider-key-3b9e"

SCRIPT = {"model": MODEL, "replies": [{"text": "Still here"}]}


def test_ping_echoes_message(byok_host_binary, state_dir):
    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            return await host.client.ping("compatibility check")

    pong = run(scenario())

    assert pong.message == "pong: compatibility check"
    assert pong.protocol_version == 3
    assert pong.timestamp is not None


def test_status_reports_protocol_3(byok_host_binary, state_dir):
    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            return await host.client.get_status()

    status = run(scenario())

    assert status.protocol_version == 3
    assert isinstance(status.version, str) and status.version


def test_auth_status_needs_no_login(byok_host_binary, state_dir):
    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            return await host.client.get_auth_status()

    auth = run(scenario())

    assert auth.isAuthenticated is False
    assert auth.statusMessage, "auth.getStatus sent no statusMessage"


def test_list_models_empty(byok_host_binary, state_dir):
    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            return await host.client.list_models()

    assert run(scenario()) == []


def test_list_models_from_default_provider(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": "default-provider-model", "replies": [{"text": "unused"}]})
    # The SDK passes `env` to the runtime it spawns; this is how a user configures a default provider.
    env = {
        **os.environ,
        "BYOK_HOST_PROVIDER_BASE_URL": provider.base_url,
        "BYOK_HOST_PROVIDER_API_KEY": DEFAULT_PROVIDER_KEY,
    }

    async def scenario():
        async with open_client(byok_host_binary, state_dir, env=env) as host:
            return await host.client.list_models()

    models = run(scenario())

    assert [model.id for model in models] == ["default-provider-model"]
    assert models[0].name == "default-provider-model"
    requests = provider.recorded_requests()
    assert [(request["method"], request["path"]) for request in requests] == [("GET", "/v1/models")]
    headers = {name.lower(): value for name, value in requests[0]["headers"].items()}
    assert headers.get("authorization") == f"Bearer {DEFAULT_PROVIDER_KEY}"


def test_default_provider_key_not_stored(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SCRIPT)
    env = {
        **os.environ,
        "BYOK_HOST_PROVIDER_BASE_URL": provider.base_url,
        "BYOK_HOST_PROVIDER_API_KEY": DEFAULT_PROVIDER_KEY,
    }

    async def scenario():
        async with open_client(byok_host_binary, state_dir, env=env) as host:
            session = await host.client.create_session(on_permission_request=PermissionHandler.approve_all, model=MODEL)
            return await session.send_and_wait("Use the default provider", timeout=TURN_TIMEOUT)

    reply = run(scenario())

    assert reply is not None and reply.data.content == "Still here"
    assert files_containing(state_dir, DEFAULT_PROVIDER_KEY) == []


def test_unknown_server_method(byok_host_binary, state_dir):
    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            with pytest.raises(JsonRpcError) as raised:
                await host.client.rpc.tools.list(ToolsListRequest(model=None))
            pong = await host.client.ping("after")
            return raised.value, pong

    error, pong = run(scenario())

    assert error.code == -32601
    assert error.message == "Unhandled method tools.list"
    assert pong.message == "pong: after"


@pytest.mark.parametrize(
    ("call", "method"),
    [
        (lambda session: session.rpc.model.get_current(), "session.model.getCurrent"),
        (lambda session: session.set_model("another-model"), "session.model.switchTo"),
    ],
    ids=["rpc-get-current-model", "set-model"],
)
def test_unimplemented_session_method(byok_host_binary, state_dir, start_mock_provider, call, method):
    provider = start_mock_provider(SCRIPT)

    async def scenario():
        async with open_client(byok_host_binary, state_dir) as host:
            session = await host.client.create_session(
                on_permission_request=PermissionHandler.approve_all,
                model=MODEL,
                provider=provider_config(provider.base_url),
            )
            with pytest.raises(JsonRpcError) as raised:
                await call(session)
            reply = await session.send_and_wait("Are you still there?", timeout=TURN_TIMEOUT)
            return raised.value, reply

    error, reply = run(scenario())

    assert error.code == -32601
    assert error.message == f"Unhandled method {method}"
    assert reply is not None and reply.data.content == "Still here"
    assert provider.chat_requests()[0]["body"]["model"] == MODEL
