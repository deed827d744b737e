import Foundation
import JSONRPC

extension MockScript {
  /// Reads and validates the script file at `path`.
  public static func load(path: String) throws(MockScriptError) -> MockScript {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw MockScriptError(
        kind: .unreadableFile, source: path, message: "script file not found; check the --script path")
    }
    guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
      throw MockScriptError(
        kind: .unreadableFile, source: path, message: "script file is not a readable file; check its permissions")
    }
    return try parse(bytes: Array(data), source: path)
  }

  /// Parses script JSON text, naming it `source` in error messages.
  public static func parse(bytes: [UInt8], source: String) throws(MockScriptError) -> MockScript {
    let value: JSONValue
    do {
      value = try JSONParser.parse(bytes)
    } catch {
      throw MockScriptError(kind: .invalidJSON, source: source, message: "invalid JSON: \(error)")
    }
    return try parse(value, source: source)
  }

  /// Validates an already parsed script, naming it `source` in error messages.
  public static func parse(_ value: JSONValue, source: String) throws(MockScriptError) -> MockScript {
    try MockScriptParser(source: source).script(from: value)
  }
}

/// Turns script JSON into a `MockScript`, rejecting unknown keys so a typo fails with the field's path.
private struct MockScriptParser {
  let source: String

  private static let scriptKeys = ["description", "model", "replies", "afterLast", "streamFraming"]
  private static let commonReplyKeys = ["expect", "headers"]
  private static let errorReplyKeys = ["status", "body"]
  private static let textReplyKeys = [
    "text", "chunks", "chunkSize", "delayMs", "usage", "finishReason",
    "stallAfterChunks", "truncateAfterChunks", "errorAfterChunks", "error",
  ]
  private static let interruptionKeys = ["stallAfterChunks", "truncateAfterChunks", "errorAfterChunks"]

  /// The largest `delayMs`, so a typo cannot hang a test for hours.
  private static let maximumDelayMilliseconds = 60_000

  /// The text of an `errorAfterChunks` reply that gives none.
  static let defaultPartialText = "This reply is cut short by a scripted error."

  func script(from value: JSONValue) throws(MockScriptError) -> MockScript {
    guard let object = value.objectValue else {
      throw failure(nil, "a script must be a JSON object, found \(value.typeName)")
    }
    try checkKeys(object, allowed: Self.scriptKeys, field: nil)
    if let description = object["description"], description.stringValue == nil {
      throw failure("description", "must be a string, found \(describe(description))")
    }

    let model = try optionalString(object["model"], field: "model") ?? "mock-model"
    guard !model.isEmpty else { throw failure("model", "must not be empty") }
    let afterLast = try optionalEnum(object["afterLast"], field: "afterLast", as: MockScript.AfterLast.self) ?? .error
    let framing =
      try optionalEnum(object["streamFraming"], field: "streamFraming", as: MockScript.StreamFraming.self) ?? .chunked

    guard let repliesValue = object["replies"] else {
      throw failure("replies", "missing; add an array with at least one reply")
    }
    guard let replyValues = repliesValue.arrayValue else {
      throw failure("replies", "must be an array, found \(describe(repliesValue))")
    }
    guard !replyValues.isEmpty else {
      throw failure("replies", "must contain at least one reply")
    }
    var replies: [MockReply] = []
    for (index, replyValue) in replyValues.enumerated() {
      replies.append(try reply(from: replyValue, field: "replies[\(index)]"))
    }

    return MockScript(model: model, replies: replies, afterLast: afterLast, streamFraming: framing)
  }

  // MARK: - Replies

  private func reply(from value: JSONValue, field: String) throws(MockScriptError) -> MockReply {
    guard let object = value.objectValue else {
      throw failure(field, "a reply must be a JSON object, found \(describe(value))")
    }
    let isErrorReply = object["status"] != nil
    let isTextReply = Self.textReplyKeys.contains { object[$0] != nil }
    if isErrorReply, isTextReply {
      let textKey = Self.textReplyKeys.first { object[$0] != nil } ?? "text"
      throw failure(
        field, "mixes \"status\" (an error reply) with \"\(textKey)\" (a text reply); split it into two replies")
    }
    guard isErrorReply || isTextReply else {
      throw failure(
        field,
        "unknown reply kind: add \"text\" for a text reply, \"status\" for an error reply, "
          + "or \"errorAfterChunks\" for a mid-stream error")
    }

    let body: MockReply.Body
    if isErrorReply {
      try checkKeys(object, allowed: Self.errorReplyKeys + Self.commonReplyKeys, field: field)
      body = .error(try errorReply(from: object, field: field))
    } else {
      try checkKeys(object, allowed: Self.textReplyKeys + Self.commonReplyKeys, field: field)
      body = .text(try textReply(from: object, field: field))
    }
    let expectation = try object["expect"].map { value throws(MockScriptError) in
      try self.expectation(from: value, field: "\(field).expect")
    }
    let headers = try object["headers"].map { value throws(MockScriptError) in
      try self.headers(from: value, field: "\(field).headers")
    }
    return MockReply(body, expectation: expectation, headers: headers ?? [])
  }

  private func textReply(from object: JSONObject, field: String) throws(MockScriptError) -> MockTextReply {
    let interruption = try self.interruption(from: object, field: field)
    var text = try optionalString(object["text"], field: "\(field).text")
    if text == nil, object["chunks"] == nil, case .error = interruption {
      text = Self.defaultPartialText
    }

    let chunks = try self.chunks(from: object, text: text, field: field)
    guard let resolvedText = text ?? chunks?.joined() else {
      throw failure("\(field).text", "missing; a text reply needs \"text\" or \"chunks\"")
    }
    let resolvedChunks = chunks ?? TextChunker.words(resolvedText)

    if let interruption, interruption.afterChunks > resolvedChunks.count {
      let key = Self.interruptionKeys.first { object[$0] != nil } ?? "afterChunks"
      throw failure(
        "\(field).\(key)",
        "is \(interruption.afterChunks) but the reply has only \(resolvedChunks.count) chunks")
    }

    let delay =
      try optionalInteger(
        object["delayMs"], field: "\(field).delayMs", range: 0...Self.maximumDelayMilliseconds) ?? 0
    let finishReason = try optionalString(object["finishReason"], field: "\(field).finishReason") ?? "stop"
    let usage = try object["usage"].map { value throws(MockScriptError) in
      try self.usage(from: value, field: "\(field).usage")
    }

    return MockTextReply(
      text: resolvedText, chunks: resolvedChunks, delayMilliseconds: delay, usage: usage,
      finishReason: finishReason, interruption: interruption)
  }

  /// Reads `chunks` or `chunkSize`, or returns `nil` when the text should be split into words.
  private func chunks(from object: JSONObject, text: String?, field: String) throws(MockScriptError) -> [String]? {
    if object["chunks"] != nil, object["chunkSize"] != nil {
      throw failure("\(field).chunkSize", "cannot be combined with \"chunks\"; keep one of them")
    }
    if let size = try optionalInteger(object["chunkSize"], field: "\(field).chunkSize", range: 1...1_000_000) {
      guard let text else {
        throw failure("\(field).text", "missing; \"chunkSize\" splits \"text\", so add it")
      }
      return TextChunker.pieces(text, size: size)
    }
    guard let chunksValue = object["chunks"] else { return nil }
    guard let elements = chunksValue.arrayValue else {
      throw failure("\(field).chunks", "must be an array of strings, found \(describe(chunksValue))")
    }
    var chunks: [String] = []
    for (index, element) in elements.enumerated() {
      guard let chunk = element.stringValue, !chunk.isEmpty else {
        throw failure("\(field).chunks[\(index)]", "must be a non-empty string, found \(describe(element))")
      }
      chunks.append(chunk)
    }
    if let text, chunks.joined() != text {
      throw failure("\(field).chunks", "must join to exactly \"text\"; drop one of the two or make them agree")
    }
    return chunks
  }

  private func interruption(from object: JSONObject, field: String) throws(MockScriptError) -> MockInterruption? {
    let present = Self.interruptionKeys.filter { object[$0] != nil }
    if present.count > 1 {
      throw failure("\(field).\(present[1])", "cannot be combined with \"\(present[0])\"; keep one of them")
    }
    if object["error"] != nil, object["errorAfterChunks"] == nil {
      throw failure("\(field).error", "needs \"errorAfterChunks\" to say when the error is sent")
    }
    guard let key = present.first else { return nil }
    guard let count = try optionalInteger(object[key], field: "\(field).\(key)", range: 0...1_000_000) else {
      return nil
    }

    switch key {
    case "stallAfterChunks":
      return .stall(afterChunks: count)
    case "truncateAfterChunks":
      return .truncate(afterChunks: count)
    default:
      let error = try object["error"].map { value throws(MockScriptError) in
        try self.streamError(from: value, field: "\(field).error")
      }
      return .error(afterChunks: count, error: error ?? OpenAIChatFormat.serverError)
    }
  }

  /// Fills in the OpenAI error fields the script leaves out, keeping `message, type, param, code` order.
  private func streamError(from value: JSONValue, field: String) throws(MockScriptError) -> JSONObject {
    guard let given = value.objectValue else {
      throw failure(field, "must be an object such as {\"message\": \"…\", \"type\": \"server_error\"}")
    }
    if let message = given["message"], message.stringValue == nil {
      throw failure("\(field).message", "must be a string, found \(describe(message))")
    }
    var error = OpenAIChatFormat.serverError
    for (key, member) in given {
      error[key] = member
    }
    return error
  }

  private func errorReply(from object: JSONObject, field: String) throws(MockScriptError) -> MockErrorReply {
    guard let status = try optionalInteger(object["status"], field: "\(field).status", range: 400...599) else {
      throw failure("\(field).status", "missing")
    }
    switch object["body"] {
    case nil:
      return MockErrorReply(status: status)
    case .string(let text)?:
      return MockErrorReply(status: status, body: .text(text))
    case let json?:
      return MockErrorReply(status: status, body: .json(json))
    }
  }

  private func usage(from value: JSONValue, field: String) throws(MockScriptError) -> JSONObject {
    guard let object = value.objectValue else {
      throw failure(field, "must be an object such as {\"prompt_tokens\": 12, \"completion_tokens\": 3}")
    }
    for key in ["prompt_tokens", "completion_tokens", "total_tokens"] {
      _ = try optionalInteger(object[key], field: "\(field).\(key)", range: 0...Int(Int32.max))
    }
    return object
  }

  // MARK: - Expectations and headers

  private func expectation(from value: JSONValue, field: String) throws(MockScriptError) -> MockExpectation {
    guard let object = value.objectValue else {
      throw failure(field, "must be an object such as {\"messagesContain\": [\"…\"]}")
    }
    try checkKeys(object, allowed: ["messagesContain"], field: field)
    guard let listValue = object["messagesContain"] else {
      throw failure("\(field).messagesContain", "missing; list the texts the request messages must contain")
    }
    guard let elements = listValue.arrayValue else {
      throw failure("\(field).messagesContain", "must be an array of strings, found \(describe(listValue))")
    }
    var texts: [String] = []
    for (index, element) in elements.enumerated() {
      guard let text = element.stringValue, !text.isEmpty else {
        throw failure("\(field).messagesContain[\(index)]", "must be a non-empty string, found \(describe(element))")
      }
      texts.append(text)
    }
    return MockExpectation(messagesContain: texts)
  }

  private func headers(from value: JSONValue, field: String) throws(MockScriptError) -> [MockHeader] {
    guard let object = value.objectValue else {
      throw failure(field, "must be an object of header names to string values, found \(describe(value))")
    }
    var headers: [MockHeader] = []
    for (name, member) in object {
      guard HTTPSyntax.isToken(name) else {
        throw failure("\(field).\(name)", "is not a valid HTTP header name")
      }
      guard let text = member.stringValue else {
        throw failure("\(field).\(name)", "must be a string, found \(describe(member))")
      }
      guard !text.contains(where: { $0 == "\r" || $0 == "\n" }) else {
        throw failure("\(field).\(name)", "must not contain a line break")
      }
      headers.append(MockHeader(name: name, value: text))
    }
    return headers
  }

  // MARK: - Field helpers

  private func checkKeys(_ object: JSONObject, allowed: [String], field: String?) throws(MockScriptError) {
    for key in object.keys where !allowed.contains(key) {
      let path = field.map { "\($0).\(key)" } ?? key
      throw failure(path, "unknown key; expected one of \(allowed.joined(separator: ", "))")
    }
  }

  private func optionalString(_ value: JSONValue?, field: String) throws(MockScriptError) -> String? {
    guard let value else { return nil }
    guard let text = value.stringValue else {
      throw failure(field, "must be a string, found \(describe(value))")
    }
    return text
  }

  private func optionalInteger(
    _ value: JSONValue?, field: String, range: ClosedRange<Int>
  ) throws(MockScriptError) -> Int? {
    guard let value else { return nil }
    guard let number = value.intValue, range.contains(number) else {
      throw failure(
        field, "must be an integer from \(range.lowerBound) to \(range.upperBound), found \(describe(value))")
    }
    return number
  }

  private func optionalEnum<Choice: RawRepresentable<String> & CaseIterable>(
    _ value: JSONValue?, field: String, as type: Choice.Type
  ) throws(MockScriptError) -> Choice? {
    guard let value else { return nil }
    guard let text = value.stringValue, let choice = Choice(rawValue: text) else {
      let choices = Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
      throw failure(field, "must be \(choices), found \(describe(value))")
    }
    return choice
  }

  /// Shows a bad value in a message: its JSON type, and its text when short.
  private func describe(_ value: JSONValue) -> String {
    let text = value.serializedString()
    return text.count <= 40 ? "\(value.typeName) \(text)" : value.typeName
  }

  private func failure(_ field: String?, _ message: String) -> MockScriptError {
    MockScriptError(kind: .invalidField, source: source, field: field, message: message)
  }
}
