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

  /// Builds the extra chunk sent after the finish chunk when `stream_options.include_usage` is true.
  static func usageChunk(_ identity: ResponseIdentity, usage: JSONObject) -> JSONValue {
    var chunk = header(identity, object: "chat.completion.chunk")
    chunk["choices"] = []
    chunk["usage"] = .object(usage)
    return .object(chunk)
  }

  // MARK: - Non-streaming

  /// Builds a whole `chat.completion` response with one text choice.
  static func completion(
    _ identity: ResponseIdentity, text: String, finishReason: String, usage: JSONObject
  ) -> JSONValue {
    var message = JSONObject()
    message["role"] = "assistant"
    message["content"] = .string(text)
    message["refusal"] = .null
    message["annotations"] = []

    var choice = JSONObject()
    choice["index"] = 0
    choice["message"] = .object(message)
    choice["logprobs"] = .null
    choice["finish_reason"] = .string(finishReason)

    var completion = header(identity, object: "chat.completion")
    completion["choices"] = [.object(choice)]
    completion["usage"] = .object(usage)
    return .object(completion)
  }

  /// Builds the usage object for a reply from the script's numbers where given, else from counts above 0.
  ///
  /// The default `prompt_tokens` is the number of words in the request's message contents, and the default
  /// `completion_tokens` is the number of content chunks. Both are estimates, not a tokenizer's count.
  static func usage(for reply: MockTextReply, request: JSONValue) -> JSONObject {
    let scripted = reply.usage ?? JSONObject()
    let promptWords = ChatRequest.messageContents(of: request).reduce(0) { total, content in
      total + content.split(whereSeparator: { $0.isWhitespace }).count
    }
    let promptTokens = scripted["prompt_tokens"]?.intValue ?? max(1, promptWords)
    let completionTokens = scripted["completion_tokens"]?.intValue ?? max(1, reply.chunks.count)

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
