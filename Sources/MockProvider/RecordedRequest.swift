import JSONRPC

/// A request the mock provider received, as the client sent it.
public struct RecordedRequest: Sendable, Equatable {
  /// The 1-based arrival number across the server's lifetime.
  public var sequence: Int
  /// The 1-based number of the connection it arrived on.
  public var connection: Int
  public var method: String
  /// The path and query as sent, such as `/v1/chat/completions`.
  public var path: String
  /// The header fields in arrival order, names as sent, including any credential the client sent.
  public var headers: [MockHeader]
  /// The body parsed as JSON, or `nil` when it is empty or not JSON.
  public var body: JSONValue?
  public var rawBody: [UInt8]

  /// Returns the value of the first header named `name`, compared case-insensitively.
  public func headerValue(_ name: String) -> String? {
    headers.first { $0.name.lowercased() == name.lowercased() }?.value
  }

  /// The JSON line written to the record file.
  var recordLine: JSONValue {
    var headerObject = JSONObject()
    for header in headers {
      let previous = headerObject[header.name]?.stringValue
      headerObject[header.name] = .string(previous.map { "\($0), \(header.value)" } ?? header.value)
    }
    var line = JSONObject()
    line["method"] = .string(method)
    line["path"] = .string(path)
    line["headers"] = .object(headerObject)
    line["body"] = body ?? (rawBody.isEmpty ? .null : .string(String(decoding: rawBody, as: UTF8.self)))
    line["connection"] = JSONValue(connection)
    line["sequence"] = JSONValue(sequence)
    return .object(line)
  }
}

/// A client that closed its connection while the server was still sending a response.
public struct ClientCloseEvent: Sendable, Equatable {
  public var connection: Int
  /// The `sequence` of the request whose response was cut off.
  public var request: Int
  /// The wall-clock time the server noticed, in ISO 8601 with milliseconds.
  public var time: String

  var recordLine: JSONValue {
    var line = JSONObject()
    line["event"] = "client_closed"
    line["connection"] = JSONValue(connection)
    line["request"] = JSONValue(request)
    line["time"] = .string(time)
    return .object(line)
  }
}
