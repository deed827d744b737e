import JSONRPC

/// One server-sent event as the mock writes it: an optional `event:` line, then one `data:` line.
struct StreamEvent: Equatable {
  var name: String?
  var data: String

  init(name: String? = nil, data: String) {
    self.name = name
    self.data = data
  }

  init(name: String? = nil, json: JSONObject) {
    self.init(name: name, data: JSONValue.object(json).serializedString())
  }
}

/// The end of a stream after the events of a scripted mid-stream error.
enum StreamErrorEnding {
  /// End the HTTP body cleanly.
  case endBody
  /// Close the connection at once, with no end of body, as Ollama does.
  case closeConnection
}

/// Turns a scripted reply into one wire format: the events of a stream, step by step, or one whole body.
///
/// The responder calls `openingEvents`, then `events(for:)` once per step in order, then `closingEvents`, unless
/// an interruption stops it first. For a scripted error, `errorEvents` replaces the rest of the stream.
protocol ReplyRenderer {
  mutating func openingEvents() -> [StreamEvent]
  mutating func events(for step: ReplyStep) -> [StreamEvent]
  /// The finish, the usage and the terminal event.
  mutating func closingEvents() -> [StreamEvent]
  mutating func errorEvents(_ error: JSONObject) -> (events: [StreamEvent], ending: StreamErrorEnding)
  /// Returns the body of a complete response to a request without streaming.
  func completion() -> JSONValue
  /// Returns the status and body that stand for a scripted mid-stream error without streaming.
  func completionError(_ error: JSONObject) -> (status: Int, body: JSONValue)
}

/// What every wire format needs to render one reply.
struct ReplyContext {
  var reply: MockTextReply
  /// The request's 1-based number, which makes response and item ids unique.
  var sequence: Int
  /// Seconds since the Unix epoch.
  var created: Int
  var model: String
  var dialect: MockScript.Dialect
  var usage: UsageCounts
  /// Whether a Chat Completions request asked for the usage chunk.
  var includeUsage: Bool
  /// Whether a Responses request asked for the encrypted content of reasoning items.
  var includesEncryptedReasoning: Bool

  /// The Responses `encrypted_content` and Anthropic thinking `signature` of the reply.
  var reasoningSignature: String {
    reply.reasoningSignature ?? "mock-reasoning-signature-\(sequence)"
  }

  /// Returns `object` with the reply's `extraFields` added at the end.
  func addingExtraFields(_ object: JSONObject) -> JSONObject {
    var result = object
    for (key, value) in reply.quirks.extraFields {
      result[key] = value
    }
    return result
  }
}

/// The token counts of one reply, from the script where it gives them, else estimated.
struct UsageCounts {
  var promptTokens: Int
  var completionTokens: Int
  var totalTokens: Int
  var reasoningTokens: Int
  /// The script's other `usage` members, added to each format's usage object as they are.
  var extraFields: JSONObject

  /// The three counts a script may set, by their Chat Completions names.
  private static let countKeys: Set<String> = ["prompt_tokens", "completion_tokens", "total_tokens"]

  /// Counts from the script's `usage`, else: `prompt_tokens` is the number of words in the request's message
  /// texts and `completion_tokens` the number of streamed chunks, both at least 1. These are estimates, not a
  /// tokenizer's count.
  init(reply: MockTextReply, request: APIRequest) {
    let scripted = reply.usage ?? JSONObject()
    let promptWords = request.messageTexts.reduce(0) { total, text in
      total + text.split(whereSeparator: { $0.isWhitespace }).count
    }
    promptTokens = scripted["prompt_tokens"]?.intValue ?? max(1, promptWords)
    completionTokens = scripted["completion_tokens"]?.intValue ?? max(1, reply.streamedChunkCount)
    totalTokens = scripted["total_tokens"]?.intValue ?? promptTokens + completionTokens
    reasoningTokens = reply.reasoningChunks.count
    extraFields = JSONObject()
    for (key, value) in scripted where !Self.countKeys.contains(key) {
      extraFields[key] = value
    }
  }
}

/// Returns `defaults` with the members of `given` replacing or following them, keeping the order of `defaults`.
func merging(_ defaults: JSONObject, _ given: JSONObject) -> JSONObject {
  var result = defaults
  for (key, value) in given {
    result[key] = value
  }
  return result
}
