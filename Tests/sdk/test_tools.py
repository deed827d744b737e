"""Client tools defined with the SDK's `define_tool`: the mock model calls them, the SDK runs them, and
their results (or the permission handler's denial) reach the model in the follow-up request.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from copilot import define_tool
from copilot.generated.rpc import PermissionDecisionApproveOnce, PermissionDecisionReject

from sdk_harness import MODEL, TURN_TIMEOUT, EventRecorder, create_byok_session, open_client, run

TOOL_NAME = "encrypt_string"
FINAL_TEXT = "The result is HELLO."


class EncryptParams(BaseModel):
    input: str = Field(description="The text to encrypt")


def tool_script(follow_up_expect: dict) -> dict:
    """Return a script whose model calls TOOL_NAME once, then replies FINAL_TEXT if the follow-up request
    meets `follow_up_expect`.
    """
    return {
        "model": MODEL,
        "replies": [
            {"toolCalls": [{"id": "call_1", "name": TOOL_NAME, "arguments": {"input": "Hello"}}], "argumentChunks": 3},
            {"text": FINAL_TEXT, "expect": follow_up_expect},
        ],
    }


SUCCESS_SCRIPT = tool_script({"toolResults": [{"toolCallId": "call_1", "content": "HELLO"}], "lastMessageRole": "tool"})


class ToolProbe:
    """An `encrypt_string` tool made with `define_tool`, and the arguments of every call it ran."""

    def __init__(self, *, skip_permission: bool = False, error: str | None = None) -> None:
        self.calls: list[str] = []

        @define_tool(name=TOOL_NAME, description="Encrypts a string", skip_permission=skip_permission)
        def encrypt_string(params: EncryptParams) -> str:
            self.calls.append(params.input)
            if error is not None:
                raise RuntimeError(error)
            return params.input.upper()

        self.tool = encrypt_string


class PermissionProbe:
    """A permission handler that returns `decision` and keeps every request it was given."""

    def __init__(self, decision) -> None:
        self.decision = decision
        self.requests: list = []

    def __call__(self, request, invocation):
        self.requests.append(request)
        return self.decision


def run_tool_turn(binary, state_dir, provider, probe: ToolProbe, permissions: PermissionProbe, *, streaming=False):
    """Send one prompt in a session with the probe's tool; return the reply, the recorder and the history."""

    async def scenario():
        async with open_client(binary, state_dir) as host:
            session = await create_byok_session(
                host.client, provider.base_url, tools=[probe.tool], on_permission_request=permissions, streaming=streaming
            )
            recorder = EventRecorder()
            session.on(recorder)
            reply = await session.send_and_wait("Encrypt Hello", timeout=TURN_TIMEOUT)
            return reply, recorder, await session.get_events()

    return run(scenario())


def tool_messages(request: dict) -> list[dict]:
    return [message for message in request["body"]["messages"] if message["role"] == "tool"]


def test_tool_offered_to_model(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SUCCESS_SCRIPT)

    run_tool_turn(byok_host_binary, state_dir, provider, ToolProbe(), PermissionProbe(PermissionDecisionApproveOnce()))

    tools = provider.chat_requests()[0]["body"].get("tools", [])
    assert [tool["function"]["name"] for tool in tools] == [TOOL_NAME]
    assert tools[0]["function"]["description"] == "Encrypts a string"
    assert "input" in tools[0]["function"]["parameters"]["properties"]


def test_tool_result_reaches_model(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SUCCESS_SCRIPT)
    probe = ToolProbe()

    reply, _, _ = run_tool_turn(
        byok_host_binary, state_dir, provider, probe, PermissionProbe(PermissionDecisionApproveOnce()), streaming=True
    )

    assert probe.calls == ["Hello"]
    assert reply is not None and reply.data.content == FINAL_TEXT
    follow_up = provider.chat_requests()[1]
    assert tool_messages(follow_up) == [{"role": "tool", "tool_call_id": "call_1", "content": "HELLO"}]
    calls = [message for message in follow_up["body"]["messages"] if message.get("tool_calls")]
    assert [call["function"]["name"] for call in calls[0]["tool_calls"]] == [TOOL_NAME]


def test_permission_request_names_tool(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SUCCESS_SCRIPT)
    permissions = PermissionProbe(PermissionDecisionApproveOnce())

    run_tool_turn(byok_host_binary, state_dir, provider, ToolProbe(), permissions)

    assert len(permissions.requests) == 1
    request = permissions.requests[0]
    assert request.kind == "custom-tool"
    assert request.tool_name == TOOL_NAME
    assert request.tool_call_id == "call_1"
    assert request.args == {"input": "Hello"}


def test_tool_events_in_order(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SUCCESS_SCRIPT)

    _, recorder, history = run_tool_turn(
        byok_host_binary, state_dir, provider, ToolProbe(), PermissionProbe(PermissionDecisionApproveOnce())
    )

    live = recorder.types()
    assert live.index("permission.completed") < live.index("tool.execution_complete")
    assert live.index("tool.execution_start") < live.index("tool.execution_complete")
    assert live[-1] == "session.idle"
    persisted = [event.type.value for event in history]
    last_reply = len(persisted) - 1 - persisted[::-1].index("assistant.message")
    assert persisted.index("user.message") < persisted.index("tool.execution_start")
    assert persisted.index("tool.execution_start") < persisted.index("tool.execution_complete")
    assert persisted.index("tool.execution_complete") < last_reply
    complete = recorder.of_type("tool.execution_complete")[0].data
    assert complete.success is True
    assert complete.result.content == "HELLO"


def test_denied_tool_not_run(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(
        tool_script({"toolResults": [{"toolCallId": "call_1", "contentContains": "rejected"}], "lastMessageRole": "tool"})
    )
    probe = ToolProbe()

    reply, recorder, _ = run_tool_turn(
        byok_host_binary, state_dir, provider, probe, PermissionProbe(PermissionDecisionReject(feedback="Not today"))
    )

    assert probe.calls == []
    assert reply is not None and reply.data.content == FINAL_TEXT
    complete = recorder.of_type("tool.execution_complete")[0].data
    assert complete.success is False
    assert complete.error.code == "denied"
    assert "rejected" in complete.error.message


def test_denial_reaches_model(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(tool_script({"lastMessageRole": "tool"}))

    run_tool_turn(
        byok_host_binary, state_dir, provider, ToolProbe(), PermissionProbe(PermissionDecisionReject(feedback="Not today"))
    )

    messages = tool_messages(provider.chat_requests()[1])
    assert [message["tool_call_id"] for message in messages] == ["call_1"]
    assert "rejected" in messages[0]["content"]
    assert "Not today" in messages[0]["content"]


def test_skip_permission_tool(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(SUCCESS_SCRIPT)
    probe = ToolProbe(skip_permission=True)
    permissions = PermissionProbe(PermissionDecisionReject(feedback="Should not be asked"))

    reply, recorder, _ = run_tool_turn(byok_host_binary, state_dir, provider, probe, permissions)

    assert permissions.requests == []
    assert probe.calls == ["Hello"]
    assert recorder.of_type("permission.requested") == []
    assert reply is not None and reply.data.content == FINAL_TEXT


def test_tool_error_hidden_from_model(byok_host_binary, state_dir, start_mock_provider):
    provider = start_mock_provider(tool_script({"lastMessageRole": "tool"}))
    probe = ToolProbe(error="Secret detail from Melbourne")

    reply, recorder, _ = run_tool_turn(
        byok_host_binary, state_dir, provider, probe, PermissionProbe(PermissionDecisionApproveOnce())
    )

    assert probe.calls == ["Hello"]
    assert reply is not None and reply.data.content == FINAL_TEXT
    messages = tool_messages(provider.chat_requests()[1])
    assert len(messages) == 1
    assert messages[0]["content"], "the model got an empty tool result for a failed tool"
    assert "Melbourne" not in messages[0]["content"]
    assert recorder.of_type("tool.execution_complete")[0].data.success is False
