import JSONRPC

/// Builds the JSON bodies of the OpenAI Chat Completions wire format, field for field as api.openai.com
/// sends them (minus the random `obfuscation` padding).
enum OpenAIChatFormat {
  /// The fields that identify one response, repeated on every chunk of a stream.
  struct ResponseIdentity {
    var id: String
    var created: Int
    var model: String
  }

  /// The error OpenAI sends when a stream fails on its side.
  static let serverError = JSONObject([
    ("message", "The server had an error while processing your request. Sorry about that!"),
    ("type", "server_error"),
    ("param", .null),
    ("code", .null),
  ])

  /// Builds an HTTP error body: `{"error": {"message", "type", "param", "code"}}`.
  static func errorBody(message: String, type: String, param: String? = nil, code: String? = nil) -> JSONValue {
    var error = JSONObject()
    error["message"] = .string(message)
    error["type"] = .string(type)
    error["param"] = JSONValue(param)
    error["code"] = JSONValue(code)
    return .object(JSONObject([("error", .object(error))]))
  }

  /// Returns the `error.type` OpenAI uses for a status.
  static func errorType(forStatus status: Int) -> String {
    switch status {
    case 429: return "requests"
    case 500...599: return "server_error"
    default: return "invalid_request_error"
    }
  }

  // MARK: - Streaming

  /// Builds a `chat.completion.chunk` with one choice, adding `usage: null` only when the client requested usage.
  static func chunk(
    _ identity: ResponseIdentity, delta: JSONObject, finishReason: String?, includeUsage: Bool
  ) -> JSONValue {
    var choice = JSONObject()
    choice["index"] = 0
    choice["delta"] = .object(delta)
    choice["logprobs"] = .null
    choice["finish_reason"] = JSONValue(finishReason)

    var chunk = header(identity, object: "chat.completion.chunk")
    chunk["choices"] = [.object(choice)]
    if includeUsage {
      chunk["usage"] = .null
    }
    return .object(chunk)
  }

  /// The delta of the first chunk of a text reply.
  static let roleDelta = JSONObject([("role", "assistant"), ("content", ""), ("refusal", .null)])

  /// Builds the delta of the first chunk: `roleDelta` for a reply with text, and
  /// `{"role":"assistant","content":null}` for one of tool calls only, as api.openai.com sends them.
  static func roleDelta(for reply: MockTextReply) -> JSONObject {
    var delta = reply.text.isEmpty && !reply.toolCalls.isEmpty
      ? JSONObject([("role", "assistant"), ("content", .null)]) : roleDelta
    if reply.nullToolCalls {
      delta["tool_calls"] = .null
    }
    return delta
  }

  /// Builds the deltas between the role chunk and the finish chunk, one per chunk: the content deltas, then
  /// the tool-call deltas.
  static func streamDeltas(for reply: MockTextReply) -> [JSONObject] {
    var deltas = reply.chunks.map { content in
      var delta = JSONObject([("content", .string(content))])
      if reply.nullToolCalls {
        delta["tool_calls"] = .null
      }
      return delta
    }
    deltas += toolCallFragments(reply.toolCalls, streaming: reply.toolCallStreaming).map { fragments in
      JSONObject([("tool_calls", .array(fragments.map(JSONValue.object)))])
    }
    return deltas
  }

  /// Splits `calls` into the `tool_calls` arrays of successive chunks, as `streaming` says.
  static func toolCallFragments(_ calls: [MockToolCall], streaming: MockToolCallStreaming) -> [[JSONObject]] {
    func fragment(_ index: Int, _ call: MockToolCall?, arguments: String) -> JSONObject {
      var fragment = JSONObject()
      if streaming.includesIndex {
        fragment["index"] = JSONValue(index)
      }
      var function = JSONObject()
      if let call {
        fragment["id"] = .string(call.id)
        fragment["type"] = "function"
        function["name"] = .string(call.name)
      }
      function["arguments"] = .string(arguments)
      fragment["function"] = .object(function)
      return fragment
    }

    switch streaming.delivery {
    case .fragments:
      var chunks: [[JSONObject]] = []
      for (index, call) in calls.enumerated() {
        chunks.append([fragment(index, call, arguments: "")])
        for piece in streaming.argumentPieces(call.arguments) {
          chunks.append([fragment(index, nil, arguments: piece)])
        }
      }
      return chunks
    case .whole:
      return calls.enumerated().map { index, call in [fragment(index, call, arguments: call.arguments)] }
    case .oneDelta:
      guard !calls.isEmpty else { return [] }
      return [calls.enumerated().map { index, call in fragment(index, call, arguments: call.arguments) }]
    }
  }

  /// Builds the extra chunk sent after the finish chunk when `stream_options.include_usage` is true.
  static func usageChunk(_ identity: ResponseIdentity, usage: JSONObject) -> JSONValue {
    var chunk = header(identity, object: "chat.completion.chunk")
    chunk["choices"] = []
    chunk["usage"] = .object(usage)
    return .object(chunk)
  }

  // MARK: - Non-streaming

  /// Builds a whole `chat.completion` response with one choice: the reply's text, and its tool calls in
  /// `message.tool_calls` (with `content: null` when there is no text).
  static func completion(_ identity: ResponseIdentity, reply: MockTextReply, usage: JSONObject) -> JSONValue {
    var message = JSONObject()
    message["role"] = "assistant"
    message["content"] = reply.text.isEmpty && !reply.toolCalls.isEmpty ? .null : .string(reply.text)
    message["refusal"] = .null
    message["annotations"] = []
    if !reply.toolCalls.isEmpty {
      message["tool_calls"] = .array(
        reply.toolCalls.map { call in
          [
            "id": .string(call.id), "type": "function",
            "function": ["name": .string(call.name), "arguments": .string(call.arguments)],
          ]
        })
    }

    var choice = JSONObject()
    choice["index"] = 0
    choice["message"] = .object(message)
    choice["logprobs"] = .null
    choice["finish_reason"] = .string(reply.finishReason)

    var completion = header(identity, object: "chat.completion")
    completion["choices"] = [.object(choice)]
    completion["usage"] = .object(usage)
    return .object(completion)
  }

  /// Builds the usage object for a reply from the script's numbers where given, else from counts above 0.
  ///
  /// The default `prompt_tokens` is the number of words in the request's message contents, and the default
  /// `completion_tokens` is the number of content and tool-call chunks. Both are estimates, not a tokenizer's
  /// count.
  static func usage(for reply: MockTextReply, request: JSONValue) -> JSONObject {
    let scripted = reply.usage ?? JSONObject()
    let promptWords = ChatRequest.messageContents(of: request).reduce(0) { total, content in
      total + content.split(whereSeparator: { $0.isWhitespace }).count
    }
    let promptTokens = scripted["prompt_tokens"]?.intValue ?? max(1, promptWords)
    let completionTokens = scripted["completion_tokens"]?.intValue ?? max(1, reply.streamedChunkCount)

    var usage = JSONObject()
    usage["prompt_tokens"] = JSONValue(promptTokens)
    usage["completion_tokens"] = JSONValue(completionTokens)
    usage["total_tokens"] = JSONValue(promptTokens + completionTokens)
    usage["prompt_tokens_details"] = ["cached_tokens": 0, "audio_tokens": 0]
    usage["completion_tokens_details"] = [
      "reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0,
    ]
    for (key, value) in scripted {
      usage[key] = value
    }
    return usage
  }

  // MARK: - Models

  /// Builds the body of `GET /models`.
  static func modelList(_ ids: [String]) -> JSONValue {
    let models: [JSONValue] = ids.map { id in
      .object(JSONObject([("id", .string(id)), ("object", "model"), ("created", 0), ("owned_by", "mock-provider")]))
    }
    return .object(JSONObject([("object", "list"), ("data", .array(models))]))
  }

  private static func header(_ identity: ResponseIdentity, object: String) -> JSONObject {
    var header = JSONObject()
    header["id"] = .string(identity.id)
    header["object"] = .string(object)
    header["created"] = JSONValue(identity.created)
    header["model"] = .string(identity.model)
    header["service_tier"] = "default"
    header["system_fingerprint"] = "fp_mock"
    return header
  }
}
