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

  /// Builds the extra chunk sent after the finish chunk when `stream_options.include_usage` is true.
  static func usageChunk(_ identity: ResponseIdentity, usage: JSONObject) -> JSONValue {
    var chunk = header(identity, object: "chat.completion.chunk")
    chunk["choices"] = []
    chunk["usage"] = .object(usage)
    return .object(chunk)
  }

  // MARK: - Non-streaming

  /// Builds a whole `chat.completion` response with one choice: the reply's text, its reasoning in
  /// `reasoningField` when it has any, and its tool calls in `message.tool_calls` (with `content: null` when
  /// there is no text).
  static func completion(
    _ identity: ResponseIdentity, reply: MockTextReply, usage: JSONObject, reasoningField: String
  ) -> JSONValue {
    var message = JSONObject()
    message["role"] = "assistant"
    message["content"] = reply.text.isEmpty && !reply.toolCalls.isEmpty ? .null : .string(reply.text)
    if !reply.reasoning.isEmpty {
      message[reasoningField] = .string(reply.reasoning)
    }
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
