import JSONRPC

/// Tool definitions, scripted tool-call replies and tool results shared by the tests of the agent loop.
enum ClientTools {
  static let encryptDescription = "Encrypts a string"

  /// Builds the `encrypt` tool, whose one string parameter is `input`.
  static func encrypt(skipPermission: Bool = false) -> JSONValue {
    tool("encrypt", description: encryptDescription, skipPermission: skipPermission)
  }

  /// Builds a tool definition as an SDK sends it in `session.create`, with one string parameter `input`.
  static func tool(_ name: String, description: String = "A test tool", skipPermission: Bool = false) -> JSONValue {
    var tool: JSONObject = [
      "name": .string(name),
      "description": .string(description),
      "parameters": [
        "type": "object", "properties": ["input": ["type": "string"]], "required": ["input"],
      ],
    ]
    if skipPermission {
      tool["skipPermission"] = true
    }
    return .object(tool)
  }

  /// Builds one scripted tool call whose arguments are `{"input": input}`.
  static func call(_ id: String, _ name: String = "encrypt", input: String = "Hi") -> JSONValue {
    ["id": .string(id), "name": .string(name), "arguments": ["input": .string(input)]]
  }

  /// Builds a mock reply that makes `calls`, with any extra reply fields.
  static func callReply(_ calls: [JSONValue], _ extra: JSONObject = [:]) -> JSONValue {
    var reply: JSONObject = ["toolCalls": .array(calls)]
    for (key, value) in extra {
      reply[key] = value
    }
    return .object(reply)
  }

  /// Builds a mock text reply that is only played when the request has, for each of `results`, a tool message
  /// with that call id and exactly that text, and ends with a tool message.
  static func answerReply(_ text: String, expecting results: [(id: String, content: String)]) -> JSONValue {
    [
      "text": .string(text),
      "expect": [
        "toolResults": .array(results.map { ["toolCallId": .string($0.id), "content": .string($0.content)] }),
        "lastMessageRole": "tool",
      ],
    ]
  }

  /// Builds a successful tool result, as the SDKs send it.
  static func success(_ text: String) -> JSONValue {
    ["textResultForLlm": .string(text), "resultType": "success"]
  }
}

extension Fixture {
  /// Starts a mock provider serving `script` and a connected host with `hostArguments`, then creates a
  /// streaming session on the mock that offers `tools`, with the extra `params`.
  func startToolSession(
    script: JSONValue, tools: [JSONValue] = [ClientTools.encrypt()], params: JSONObject = [:],
    hostArguments: [String] = []
  ) async throws -> (mock: MockProviderProcess, host: HostProcess, sessionID: String) {
    let mock = try await startMockProvider(script: script)
    let host = try await startConnectedHost(arguments: hostArguments)
    let sessionID = try await host.createToolSession(mock: mock, tools: tools, params)
    return (mock, host, sessionID)
  }
}

extension HostProcess {
  /// Creates a streaming session on `mock` that offers `tools`, with the extra `params`, and returns its id.
  func createToolSession(mock: MockProviderProcess, tools: [JSONValue], _ params: JSONObject = [:]) async throws
    -> String
  {
    var object: JSONObject = [
      "streaming": true, "model": "mock-model", "provider": mock.provider(apiKey: "sk-test"), "tools": .array(tools),
    ]
    for (key, value) in params {
      object[key] = value
    }
    return try await createSession(object)
  }

  /// Waits until the send `send` has ended with `session.idle` and returns its turn.
  func waitForTurn(
    _ sessionID: String, _ send: (messageID: String, response: RPCResponse), timeout: Duration = defaultTimeout
  ) async throws -> Turn {
    let events = try await waitForTurnEnd(sessionID, messageID: send.messageID, timeout: timeout)
    return Turn(messageID: send.messageID, sendResponse: send.response, events: events)
  }

  /// Writes one `method` request per entry of `params` before reading any response, then returns the
  /// responses in the same order.
  func pipelined(_ method: String, _ params: [JSONValue], timeout: Duration = defaultTimeout) async throws
    -> [RPCResponse]
  {
    let ids = params.indices.map { JSONValue.string("\(method)-\($0)") }
    for (id, params) in zip(ids, params) {
      try writeFrame(["jsonrpc": "2.0", "id": id, "method": .string(method), "params": params])
    }
    var responses: [RPCResponse] = []
    for id in ids {
      responses.append(try await waitForResponse(id: id, timeout: timeout, describing: method))
    }
    return responses
  }

  /// Sends `session.tools.handlePendingToolCall` for the `external_tool.requested` event `request`, with the
  /// members of `answer` (`result` or `error`), and returns the response's result.
  @discardableResult
  func answerTool(_ request: ObservedEvent, _ answer: JSONObject) async throws -> JSONValue {
    var params = answer
    params["sessionId"] = .string(request.sessionID)
    params["requestId"] = request.data["requestId"] ?? .null
    return try await call("session.tools.handlePendingToolCall", .object(params))
  }

  /// Sends `session.permissions.handlePendingPermissionRequest` for the `permission.requested` event `request`,
  /// with the decision `result`, and returns the response's result.
  @discardableResult
  func answerPermission(_ request: ObservedEvent, _ result: JSONValue) async throws -> JSONValue {
    try await call(
      "session.permissions.handlePendingPermissionRequest",
      ["sessionId": .string(request.sessionID), "requestId": request.data["requestId"] ?? .null, "result": result])
  }
}

extension Turn {
  /// The event types in order, with each run of `assistant.message_delta` shown once.
  var collapsedTypes: [String] { EventChecks.collapsedTypes(events) }

  /// Returns the position of the first event of `type`, or `nil`.
  func index(of type: String) -> Int? {
    events.firstIndex { $0.type == type }
  }
}
