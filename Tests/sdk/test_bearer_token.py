"""The SDK's `bearer_token_provider` callback: byok-host requests a token from the client with
`providerToken.getToken` before each model request, and again after a 401.
"""

from __future__ import annotations

from sdk_harness import (
    CANARY_API_KEY,
    CANARY_PREFIX,
    MODEL,
    TURN_TIMEOUT,
    create_byok_session,
    open_client,
    provider_config,
    run,
)


class TokenSource:
    """A bearer-token callback that hands out a new canary token on each call and records its arguments."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, arguments) -> str:
        self.calls.append(dict(arguments))
        return f"{CANARY_PREFIX}bearer-{len(self.calls)}"


def run_turns(binary, state_dir, provider, tokens: TokenSource, prompts: list[str]):
    """Send each prompt in one session whose provider has the `tokens` callback and an API key."""

    async def scenario():
        async with open_client(binary, state_dir) as host:
            session = await create_byok_session(
                host.client,
                provider.base_url,
                provider=provider_config(provider.base_url, bearer_token_provider=tokens),
            )
            replies = [await session.send_and_wait(prompt, timeout=TURN_TIMEOUT) for prompt in prompts]
            return session.session_id, replies, host.wire.requests_of("session.create")[0].params

    return run(scenario())


def authorization_headers(provider) -> list[str | None]:
    headers = [{name.lower(): value for name, value in request["headers"].items()} for request in provider.chat_requests()]
    return [entry.get("authorization") for entry in headers]


def test_token_per_request(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": MODEL, "replies": [{"text": "One"}, {"text": "Two"}]})
    tokens = TokenSource()

    _, replies, _ = run_turns(byok_host_binary, state_dir, provider, tokens, ["First", "Second"])

    assert [reply.data.content for reply in replies] == ["One", "Two"]
    assert authorization_headers(provider) == [f"Bearer {CANARY_PREFIX}bearer-1", f"Bearer {CANARY_PREFIX}bearer-2"]


def test_token_beats_api_key(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": MODEL, "replies": [{"text": "One"}]})

    _, _, create_params = run_turns(byok_host_binary, state_dir, provider, TokenSource(), ["First"])

    assert create_params["provider"].get("hasBearerTokenProvider") is True
    assert create_params["provider"].get("apiKey") == CANARY_API_KEY
    assert f"Bearer {CANARY_API_KEY}" not in authorization_headers(provider)


def test_token_callback_arguments(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": MODEL, "replies": [{"text": "One"}]})
    tokens = TokenSource()

    session_id, _, _ = run_turns(byok_host_binary, state_dir, provider, tokens, ["First"])

    assert tokens.calls == [{"session_id": session_id, "provider_name": "default"}]


def test_token_refetched_after_401(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider({"model": MODEL, "replies": [{"status": 401}, {"text": "Accepted"}]})
    tokens = TokenSource()

    _, replies, _ = run_turns(byok_host_binary, state_dir, provider, tokens, ["First"])

    assert replies[0] is not None and replies[0].data.content == "Accepted"
    assert len(tokens.calls) == 2
    assert authorization_headers(provider) == [f"Bearer {CANARY_PREFIX}bearer-1", f"Bearer {CANARY_PREFIX}bearer-2"]
