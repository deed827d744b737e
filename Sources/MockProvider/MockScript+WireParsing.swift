import JSONRPC

/// Parsing of the reply and expectation fields that serve the Responses and Anthropic formats and reproduce
/// particular servers.
extension MockScriptParser {
  static let reasoningKeys = ["reasoning", "reasoningChunks", "reasoningSignature"]
  static let quirkKeys = ["omitUsage", "extraFields", "filterAnnotation", "responsesErrorEvent", "reasoningField"]
  private static let fieldCheckKeys = ["present", "absent", "equals"]

  /// Reads `reasoning` or `reasoningChunks`, and `reasoningSignature`; no reasoning gives no chunks.
  func reasoning(from object: JSONObject, field: String) throws(MockScriptError)
    -> (chunks: [String], signature: String?)
  {
    let text = try optionalString(object["reasoning"], field: "\(field).reasoning")
    var chunks: [String]?
    if let value = object["reasoningChunks"] {
      chunks = try nonEmptyStrings(value, field: "\(field).reasoningChunks")
      if let text, chunks?.joined() != text {
        throw failure(
          "\(field).reasoningChunks", "must join to exactly \"reasoning\"; drop one of the two or make them agree")
      }
    }
    let signature = try optionalString(object["reasoningSignature"], field: "\(field).reasoningSignature")
    if signature?.isEmpty == true {
      throw failure("\(field).reasoningSignature", "must not be empty")
    }
    let resolved = chunks ?? TextChunker.words(text ?? "")
    if signature != nil, resolved.isEmpty {
      throw failure("\(field).reasoningSignature", "needs \"reasoning\"; it signs the reasoning text")
    }
    return (resolved, signature)
  }

  func quirks(from object: JSONObject, field: String) throws(MockScriptError) -> MockReplyQuirks {
    var quirks = MockReplyQuirks()
    quirks.omitsUsage = try optionalBool(object["omitUsage"], field: "\(field).omitUsage") ?? false
    if let value = object["extraFields"] {
      guard let extra = value.objectValue else {
        throw failure("\(field).extraFields", "must be an object of members to add, found \(describe(value))")
      }
      quirks.extraFields = extra
    }
    quirks.filterAnnotation = try optionalEnum(
      object["filterAnnotation"], field: "\(field).filterAnnotation", as: MockReplyQuirks.FilterAnnotation.self)
    quirks.responsesErrorEvent =
      try optionalEnum(
        object["responsesErrorEvent"], field: "\(field).responsesErrorEvent",
        as: MockReplyQuirks.ResponsesErrorEvent.self) ?? .failed
    if object["responsesErrorEvent"] != nil, object["errorAfterChunks"] == nil {
      throw failure("\(field).responsesErrorEvent", "needs \"errorAfterChunks\" to say when the error is sent")
    }
    quirks.reasoningField = try optionalEnum(
      object["reasoningField"], field: "\(field).reasoningField", as: MockReplyQuirks.ReasoningField.self)
    return quirks
  }

  // MARK: - Expectations

  /// Adds the `headers`, `bodyFields`, `path`, `query` and `providerRules` conditions of an `expect` object.
  func addRequestChecks(
    from object: JSONObject, to expectation: inout MockExpectation, field: String
  ) throws(MockScriptError) {
    if let value = object["headers"] {
      expectation.headers = try fieldChecks(from: value, field: "\(field).headers") { value, path throws(MockScriptError) in
        guard let text = value.stringValue else {
          throw failure(path, "must be a string, found \(describe(value))")
        }
        return text
      }
      for name in expectation.headers.present + expectation.headers.absent where !HTTPSyntax.isToken(name) {
        throw failure("\(field).headers", "\"\(name)\" is not a valid HTTP header name")
      }
    }
    if let value = object["bodyFields"] {
      expectation.bodyFields = try fieldChecks(from: value, field: "\(field).bodyFields") { value, _ in value }
      let paths = expectation.bodyFields.present + expectation.bodyFields.absent
        + expectation.bodyFields.equals.map(\.field)
      for path in paths where BodyPath(path) == nil {
        throw failure(
          "\(field).bodyFields", "\"\(path)\" is not a body path; write members and indexes as in messages[-1].role")
      }
    }
    expectation.path = try optionalString(object["path"], field: "\(field).path")
    if let path = expectation.path, !path.hasPrefix("/") {
      throw failure("\(field).path", "must start with \"/\", such as \"/v1/chat/completions\"")
    }
    expectation.query = try optionalString(object["query"], field: "\(field).query")
    expectation.providerRules = try optionalBool(object["providerRules"], field: "\(field).providerRules") ?? false
  }

  /// Reads `{"present": [names], "absent": [names], "equals": {name: value}}`, with at least one key.
  private func fieldChecks<Value>(
    from value: JSONValue, field: String, convert: (JSONValue, String) throws(MockScriptError) -> Value
  ) throws(MockScriptError) -> MockFieldChecks<Value> {
    guard let object = value.objectValue else {
      throw failure(field, "must be an object such as {\"present\": [\"…\"], \"absent\": [\"…\"]}")
    }
    try checkKeys(object, allowed: Self.fieldCheckKeys, field: field)
    guard Self.fieldCheckKeys.contains(where: { object[$0] != nil }) else {
      throw failure(field, "is empty; add one of \(Self.fieldCheckKeys.joined(separator: ", "))")
    }
    var checks = MockFieldChecks<Value>()
    checks.present = try object["present"].map { value throws(MockScriptError) in
      try nonEmptyStrings(value, field: "\(field).present")
    } ?? []
    checks.absent = try object["absent"].map { value throws(MockScriptError) in
      try nonEmptyStrings(value, field: "\(field).absent")
    } ?? []
    if let equals = object["equals"] {
      guard let members = equals.objectValue else {
        throw failure("\(field).equals", "must be an object of names to values, found \(describe(equals))")
      }
      for (name, member) in members {
        checks.equals.append(.init(field: name, value: try convert(member, "\(field).equals.\(name)")))
      }
    }
    return checks
  }
}
