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
struct MockScriptParser {
  let source: String

  private static let scriptKeys = [
    "description", "model", "replies", "afterLast", "streamFraming", "dialect", "lineEnding", "writeSize",
  ]
  private static let commonReplyKeys = ["expect", "headers"]
  private static let errorReplyKeys = ["status", "body"]
  private static let textReplyKeys = [
    "text", "chunks", "chunkSize", "toolCalls", "argumentChunks", "toolCallDelivery", "toolCallIndex",
    "nullToolCalls", "delayMs", "usage", "finishReason", "stallAfterChunks", "truncateAfterChunks",
    "resetAfterChunks", "errorAfterChunks", "error",
  ] + quirkKeys + reasoningKeys
  private static let toolCallKeys = ["id", "name", "arguments"]
  private static let toolCallStreamingKeys = ["argumentChunks", "toolCallDelivery", "toolCallIndex"]
  private static let expectationKeys = [
    "messagesContain", "toolResults", "lastMessageRole", "headers", "bodyFields", "path", "query", "providerRules",
  ]
  private static let toolResultKeys = ["toolCallId", "content", "contentContains"]
  private static let interruptionKeys = [
    "stallAfterChunks", "truncateAfterChunks", "resetAfterChunks", "errorAfterChunks",
  ]

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
    let dialect = try optionalEnum(object["dialect"], field: "dialect", as: MockScript.Dialect.self) ?? .openai
    let lineEnding =
      try optionalEnum(object["lineEnding"], field: "lineEnding", as: MockScript.LineEnding.self) ?? .lf
    let writeSize = try optionalInteger(object["writeSize"], field: "writeSize", range: 1...1_000_000)

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
      replies.append(try reply(from: replyValue, field: "replies[\(index)]", dialect: dialect))
    }

    return MockScript(
      model: model, replies: replies, afterLast: afterLast, streamFraming: framing, dialect: dialect,
      lineEnding: lineEnding, writeSize: writeSize)
  }

  // MARK: - Replies

  private func reply(from value: JSONValue, field: String, dialect: MockScript.Dialect) throws(MockScriptError)
    -> MockReply
  {
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
        "unknown reply kind: add \"text\" for a text reply, \"toolCalls\" for tool calls, \"status\" for an "
          + "error reply, or \"errorAfterChunks\" for a mid-stream error")
    }

    let body: MockReply.Body
    if isErrorReply {
      try checkKeys(object, allowed: Self.errorReplyKeys + Self.commonReplyKeys, field: field)
      body = .error(try errorReply(from: object, field: field))
    } else {
      try checkKeys(object, allowed: Self.textReplyKeys + Self.commonReplyKeys, field: field)
      body = .text(try textReply(from: object, field: field, dialect: dialect))
    }
    let expectation = try object["expect"].map { value throws(MockScriptError) in
      try self.expectation(from: value, field: "\(field).expect")
    }
    let headers = try object["headers"].map { value throws(MockScriptError) in
      try self.headers(from: value, field: "\(field).headers")
    }
    return MockReply(body, expectation: expectation, headers: headers ?? [])
  }

  private func textReply(
    from object: JSONObject, field: String, dialect: MockScript.Dialect
  ) throws(MockScriptError) -> MockTextReply {
    let interruption = try self.interruption(from: object, field: field)
    let toolCalls = try object["toolCalls"].map { value throws(MockScriptError) in
      try self.toolCalls(from: value, field: "\(field).toolCalls")
    }
    let streaming = try toolCallStreaming(
      from: object, hasToolCalls: toolCalls != nil, field: field, dialect: dialect)
    let reasoning = try self.reasoning(from: object, field: field)
    var text = try optionalString(object["text"], field: "\(field).text")
    if text == nil, object["chunks"] == nil {
      if toolCalls != nil {
        text = ""
      } else if case .error = interruption {
        text = Self.defaultPartialText
      }
    }

    let chunks = try self.chunks(from: object, text: text, field: field)
    guard let resolvedText = text ?? chunks?.joined() else {
      throw failure("\(field).text", "missing; a text reply needs \"text\" or \"chunks\"")
    }
    let resolvedChunks = chunks ?? TextChunker.words(resolvedText)

    let chunkCount = reasoning.chunks.count + resolvedChunks.count + streaming.chunkCount(for: toolCalls ?? [])
    if let interruption, interruption.afterChunks > chunkCount {
      let key = Self.interruptionKeys.first { object[$0] != nil } ?? "afterChunks"
      var kinds = reasoning.chunks.isEmpty ? [] : ["reasoning"]
      if toolCalls != nil || !kinds.isEmpty {
        kinds.append("content")
      }
      if toolCalls != nil {
        kinds.append("tool-call")
      }
      let kindText = kinds.isEmpty ? "chunks" : ListFormat.and(kinds) + " chunks"
      throw failure("\(field).\(key)", "is \(interruption.afterChunks) but the reply has only \(chunkCount) \(kindText)")
    }

    let delay =
      try optionalInteger(
        object["delayMs"], field: "\(field).delayMs", range: 0...Self.maximumDelayMilliseconds) ?? 0
    let finishReason = try optionalString(object["finishReason"], field: "\(field).finishReason")
    let usage = try object["usage"].map { value throws(MockScriptError) in
      try self.usage(from: value, field: "\(field).usage")
    }
    let nullToolCalls = try optionalBool(object["nullToolCalls"], field: "\(field).nullToolCalls") ?? false

    return MockTextReply(
      text: resolvedText, chunks: resolvedChunks, toolCalls: toolCalls ?? [], toolCallStreaming: streaming,
      delayMilliseconds: delay, usage: usage, finishReason: finishReason, nullToolCalls: nullToolCalls,
      interruption: interruption, reasoning: reasoning.chunks.joined(), reasoningChunks: reasoning.chunks,
      reasoningSignature: reasoning.signature, quirks: try quirks(from: object, field: field))
  }

  // MARK: - Tool calls

  private func toolCalls(from value: JSONValue, field: String) throws(MockScriptError) -> [MockToolCall] {
    guard let elements = value.arrayValue, !elements.isEmpty else {
      throw failure(
        field, "must be a non-empty array of calls such as {\"name\": \"f\", \"arguments\": {}}, found \(describe(value))")
    }
    var calls: [MockToolCall] = []
    for (index, element) in elements.enumerated() {
      let callField = "\(field)[\(index)]"
      guard let object = element.objectValue else {
        throw failure(callField, "a tool call must be a JSON object, found \(describe(element))")
      }
      try checkKeys(object, allowed: Self.toolCallKeys, field: callField)
      let id = try optionalString(object["id"], field: "\(callField).id") ?? "call_\(index + 1)"
      guard !id.isEmpty else { throw failure("\(callField).id", "must not be empty") }
      guard !calls.contains(where: { $0.id == id }) else {
        throw failure("\(callField).id", "\"\(id)\" is already the id of an earlier call in this reply")
      }
      guard let name = try optionalString(object["name"], field: "\(callField).name"), !name.isEmpty else {
        throw failure("\(callField).name", "missing; give the name of the function the model calls")
      }
      let arguments: String
      switch object["arguments"] {
      case nil:
        arguments = "{}"
      case .string(let raw)?:
        arguments = raw
      case .object(let json)?:
        arguments = JSONValue.object(json).serializedString()
      case let other?:
        throw failure(
          "\(callField).arguments",
          "must be a JSON object, or a string to send as is, found \(describe(other))")
      }
      calls.append(MockToolCall(id: id, name: name, arguments: arguments))
    }
    return calls
  }

  /// Reads how tool calls are streamed. Ollama's dialect sends every call whole in one delta unless the reply
  /// sets another delivery.
  private func toolCallStreaming(
    from object: JSONObject, hasToolCalls: Bool, field: String, dialect: MockScript.Dialect
  ) throws(MockScriptError) -> MockToolCallStreaming {
    if !hasToolCalls, let key = Self.toolCallStreamingKeys.first(where: { object[$0] != nil }) {
      throw failure("\(field).\(key)", "needs \"toolCalls\"; it shapes how tool calls are streamed")
    }
    let delivery =
      try optionalEnum(
        object["toolCallDelivery"], field: "\(field).toolCallDelivery", as: MockToolCallStreaming.Delivery.self)
      ?? (dialect == .ollama ? .oneDelta : .fragments)
    let argumentChunks = try optionalInteger(
      object["argumentChunks"], field: "\(field).argumentChunks", range: 1...100_000)
    if argumentChunks != nil, delivery != .fragments {
      throw failure(
        "\(field).argumentChunks",
        "only applies to \"toolCallDelivery\": \"fragments\"; \"\(delivery.rawValue)\" sends whole calls")
    }
    var includesIndex = true
    var reusesIndexZero = false
    switch object["toolCallIndex"] {
    case nil:
      break
    case .bool(let flag)?:
      includesIndex = flag
    case .string("zero")?:
      reusesIndexZero = true
    case let other?:
      throw failure(
        "\(field).toolCallIndex", "must be true or false, or \"zero\" for index 0 on every call, found \(describe(other))")
    }
    return MockToolCallStreaming(
      delivery: delivery, argumentChunks: argumentChunks ?? 1, includesIndex: includesIndex,
      reusesIndexZero: reusesIndexZero)
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
    case "resetAfterChunks":
      return .reset(afterChunks: count)
    default:
      let error = try object["error"].map { value throws(MockScriptError) in
        try self.streamError(from: value, field: "\(field).error")
      }
      return .error(afterChunks: count, error: error ?? JSONObject())
    }
  }

  /// Reads the error fields a script gives; each wire format fills in the fields left out.
  private func streamError(from value: JSONValue, field: String) throws(MockScriptError) -> JSONObject {
    guard let given = value.objectValue else {
      throw failure(field, "must be an object such as {\"message\": \"…\", \"type\": \"server_error\"}")
    }
    if let message = given["message"], message.stringValue == nil {
      throw failure("\(field).message", "must be a string, found \(describe(message))")
    }
    return given
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
    try checkKeys(object, allowed: Self.expectationKeys, field: field)
    guard Self.expectationKeys.contains(where: { object[$0] != nil }) else {
      throw failure(field, "is empty; add one of \(Self.expectationKeys.joined(separator: ", "))")
    }
    let texts = try object["messagesContain"].map { value throws(MockScriptError) in
      try nonEmptyStrings(value, field: "\(field).messagesContain")
    }
    let toolResults = try object["toolResults"].map { value throws(MockScriptError) in
      try self.toolResults(from: value, field: "\(field).toolResults")
    }
    let lastRole = try optionalString(object["lastMessageRole"], field: "\(field).lastMessageRole")
    if lastRole?.isEmpty == true {
      throw failure("\(field).lastMessageRole", "must not be empty; use a role such as \"tool\" or \"user\"")
    }
    var expectation = MockExpectation(
      messagesContain: texts ?? [], toolResults: toolResults ?? [], lastMessageRole: lastRole)
    try addRequestChecks(from: object, to: &expectation, field: field)
    return expectation
  }

  func nonEmptyStrings(_ value: JSONValue, field: String) throws(MockScriptError) -> [String] {
    guard let elements = value.arrayValue else {
      throw failure(field, "must be an array of strings, found \(describe(value))")
    }
    var texts: [String] = []
    for (index, element) in elements.enumerated() {
      guard let text = element.stringValue, !text.isEmpty else {
        throw failure("\(field)[\(index)]", "must be a non-empty string, found \(describe(element))")
      }
      texts.append(text)
    }
    return texts
  }

  private func toolResults(from value: JSONValue, field: String) throws(MockScriptError)
    -> [MockToolResultExpectation]
  {
    guard let elements = value.arrayValue, !elements.isEmpty else {
      throw failure(
        field, "must be a non-empty array such as [{\"toolCallId\": \"call_1\", \"content\": \"…\"}]")
    }
    var results: [MockToolResultExpectation] = []
    for (index, element) in elements.enumerated() {
      let resultField = "\(field)[\(index)]"
      guard let object = element.objectValue else {
        throw failure(resultField, "must be an object such as {\"toolCallId\": \"call_1\"}, found \(describe(element))")
      }
      try checkKeys(object, allowed: Self.toolResultKeys, field: resultField)
      guard let id = try optionalString(object["toolCallId"], field: "\(resultField).toolCallId"), !id.isEmpty else {
        throw failure("\(resultField).toolCallId", "missing; give the tool_call_id the tool message answers")
      }
      let exact = try optionalString(object["content"], field: "\(resultField).content")
      let part = try optionalString(object["contentContains"], field: "\(resultField).contentContains")
      switch (exact, part) {
      case (let exact?, nil):
        results.append(MockToolResultExpectation(toolCallID: id, content: .equals(exact)))
      case (nil, let part?):
        results.append(MockToolResultExpectation(toolCallID: id, content: .contains(part)))
      case (nil, nil):
        results.append(MockToolResultExpectation(toolCallID: id))
      case (_?, _?):
        throw failure("\(resultField).contentContains", "cannot be combined with \"content\"; keep one of them")
      }
    }
    return results
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

  func checkKeys(_ object: JSONObject, allowed: [String], field: String?) throws(MockScriptError) {
    for key in object.keys where !allowed.contains(key) {
      let path = field.map { "\($0).\(key)" } ?? key
      throw failure(path, "unknown key; expected one of \(allowed.joined(separator: ", "))")
    }
  }

  func optionalString(_ value: JSONValue?, field: String) throws(MockScriptError) -> String? {
    guard let value else { return nil }
    guard let text = value.stringValue else {
      throw failure(field, "must be a string, found \(describe(value))")
    }
    return text
  }

  func optionalBool(_ value: JSONValue?, field: String) throws(MockScriptError) -> Bool? {
    guard let value else { return nil }
    guard let flag = value.boolValue else {
      throw failure(field, "must be true or false, found \(describe(value))")
    }
    return flag
  }

  func optionalInteger(
    _ value: JSONValue?, field: String, range: ClosedRange<Int>
  ) throws(MockScriptError) -> Int? {
    guard let value else { return nil }
    guard let number = value.intValue, range.contains(number) else {
      throw failure(
        field, "must be an integer from \(range.lowerBound) to \(range.upperBound), found \(describe(value))")
    }
    return number
  }

  func optionalEnum<Choice: RawRepresentable<String> & CaseIterable>(
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
  func describe(_ value: JSONValue) -> String {
    let text = value.serializedString()
    return text.count <= 40 ? "\(value.typeName) \(text)" : value.typeName
  }

  func failure(_ field: String?, _ message: String) -> MockScriptError {
    MockScriptError(kind: .invalidField, source: source, field: field, message: message)
  }
}

/// Joins words for a message: `a`, `a and b`, `a, b and c`.
enum ListFormat {
  static func and(_ words: [String]) -> String {
    guard words.count > 1 else { return words.first ?? "" }
    return words.dropLast().joined(separator: ", ") + " and " + words[words.count - 1]
  }
}
