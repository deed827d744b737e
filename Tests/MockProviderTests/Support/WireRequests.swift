import Foundation
import JSONRPC
import MockProvider

/// A streamed response read to its end and split into events.
struct StreamedResponse {
  var head: TestResponseHead
  var events: [ParsedEvent]
  /// Whether the chunked body ended with its zero-length chunk.
  var isComplete: Bool
  /// The text after the last complete event, which a client discards.
  var unfinished: String

  var names: [String?] { events.map(\.name) }
  var payloads: [JSONValue] { events.compactMap(\.json) }

  /// Returns the payloads of the events named `name`.
  func payloads(named name: String) -> [JSONValue] {
    events.filter { $0.name == name }.compactMap(\.json)
  }
}

/// Request bodies and round trips for the three wire formats.
enum WireRequests {
  static let chatPath = "/v1/chat/completions"
  static let responsesPath = "/v1/responses"
  static let messagesPath = "/v1/messages"

  /// The headers an Anthropic client sends besides its key.
  static let anthropicHeaders = ["anthropic-version": "2023-06-01", "x-api-key": "sk-ant-test"]

  /// Builds a stateless Responses request with instructions and one user message.
  static func responsesBody(
    _ message: String = "Say hello", stream: Bool = true, includeEncryptedReasoning: Bool = false,
    extraInput: [JSONValue] = []
  ) -> JSONValue {
    var body: JSONObject = [
      "model": "gpt-test", "instructions": "Be brief.",
      "input": .array([["role": "user", "content": .string(message)]] + extraInput),
      "store": false, "stream": .bool(stream),
    ]
    if includeEncryptedReasoning {
      body["reasoning"] = ["effort": "low", "summary": "auto"]
      body["include"] = ["reasoning.encrypted_content"]
    }
    return .object(body)
  }

  /// Builds an Anthropic Messages request with a system prompt and `messages`, by default one user message.
  static func anthropicBody(_ messages: [JSONValue]? = nil, stream: Bool = true, maxTokens: Int = 1024)
    -> JSONValue
  {
    [
      "model": "claude-test", "max_tokens": JSONValue(maxTokens), "system": "Be brief.",
      "messages": .array(messages ?? [["role": "user", "content": "Say hello"]]), "stream": .bool(stream),
    ]
  }

  /// Starts a server with the script `json`, posts `body` to `path` and reads the streamed response to its end
  /// or to the point where the connection closes.
  static func stream(
    _ json: String, path: String, body: JSONValue, headers: [String: String] = [:]
  ) throws -> StreamedResponse {
    let server = try Fixtures.startServer(json)
    defer { server.stop() }
    return try stream(server: server, path: path, body: body, headers: headers)
  }

  /// Posts `body` to `path` on a running server and reads the streamed response.
  static func stream(
    server: MockProviderServer, path: String, body: JSONValue, headers: [String: String] = [:]
  ) throws -> StreamedResponse {
    let client = try TestHTTPClient(port: server.boundPort)
    var allHeaders = path.hasSuffix("/messages") ? anthropicHeaders : [:]
    allHeaders.merge(headers) { _, given in given }
    allHeaders["Content-Type"] = "application/json"
    try client.sendRequest(method: "POST", path: path, headers: allHeaders, body: body.serializedBytes())
    let head = try client.readHead()
    let received = head.isChunked ? client.readChunksUntilEnd() : (body: try client.readBody(after: head), isComplete: true)
    let parsed = EventStreamParser.parse(received.body)
    return StreamedResponse(
      head: head, events: parsed.events, isComplete: received.isComplete, unfinished: parsed.unfinished)
  }

  /// Starts a server with the script `json`, posts `body` to `path` and returns the whole response.
  static func post(
    _ json: String, path: String, body: JSONValue, headers: [String: String] = [:]
  ) throws -> TestResponse {
    let server = try Fixtures.startServer(json)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)
    var allHeaders = path.hasSuffix("/messages") ? anthropicHeaders : [:]
    allHeaders.merge(headers) { _, given in given }
    return try client.post(path, json: body, headers: allHeaders)
  }

  /// Lists the member names of `value` sorted, and those of each object or array of objects inside it, as
  /// `{name{member,…},…}`, so a payload's shape can be compared without its values or key order.
  static func shape(_ value: JSONValue?) -> String {
    switch value {
    case .object(let object)?:
      let members = object.sorted { $0.key < $1.key }.map { key, member in
        let inner = shape(member)
        return inner.isEmpty ? key : "\(key)\(inner)"
      }
      return "{" + members.joined(separator: ",") + "}"
    case .array(let elements)?:
      guard let first = elements.first, first.objectValue != nil else { return "" }
      return "[" + shape(first) + "]"
    default:
      return ""
    }
  }
}
