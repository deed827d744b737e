import JSONRPC

extension MockExpectation {
  /// Returns one clause per condition the request does not meet, such as
  /// `the last message to have role "tool", but it has role "user"`; empty when the request meets them all.
  func unmetConditions(request: APIRequest, recorded: RecordedRequest) -> [String] {
    var clauses: [String] = []
    let texts = request.messageTexts
    let missing = messagesContain.filter { text in !texts.contains { $0.contains(text) } }
    if !missing.isEmpty {
      let quoted = missing.map { quote($0) }.joined(separator: ", ")
      clauses.append("the request messages to contain \(quoted), but no message content does")
    }

    clauses += unmetToolResults(request)

    if let role = lastMessageRole, request.lastRole != role {
      clauses.append(
        "the last message to have role \(quote(role)), but it has role \(quote(request.lastRole ?? "(none)"))")
    }

    let (recordedPath, recordedQuery) = Self.split(target: recorded.path)
    if let path, path != recordedPath {
      clauses.append("the path \(quote(path)), but it is \(quote(recordedPath))")
    }
    if let query, query != recordedQuery {
      clauses.append("the query \(quote(query)), but it is \(quote(recordedQuery))")
    }

    clauses += unmetHeaders(recorded)
    clauses += unmetBodyFields(request.body)
    if providerRules {
      clauses += ProviderRules.violations(in: request).map { "the request to follow the API's rules, but \($0)" }
    }
    return clauses
  }

  private func unmetToolResults(_ request: APIRequest) -> [String] {
    let results = request.toolResults
    let format = request.format
    var clauses: [String] = []
    for expected in toolResults where !results.contains(where: { expected.isMet(by: $0) }) {
      var wanted = "a \(format.toolResultName) with \(format.toolResultIDField) \(quote(expected.toolCallID))"
      switch expected.content {
      case .any: break
      case .equals(let text): wanted += " and content \(quote(text))"
      case .contains(let text): wanted += " with content containing \(quote(text))"
      }
      let found =
        results.isEmpty
        ? "the request has no \(format.toolResultName)s"
        : "its \(format.toolResultName)s are "
          + results.map { "\(quote($0.callID ?? "(none)")): \(quote($0.content, limit: 200))" }
          .joined(separator: ", ")
      clauses.append("\(wanted), but \(found)")
    }
    return clauses
  }

  private func unmetHeaders(_ recorded: RecordedRequest) -> [String] {
    var clauses: [String] = []
    for name in headers.present where recorded.headerValue(name) == nil {
      clauses.append("a header \(quote(name)), but the request has none")
    }
    for name in headers.absent where recorded.headerValue(name) != nil {
      clauses.append("no header \(quote(name)), but the request has one")
    }
    for match in headers.equals {
      guard let value = recorded.headerValue(match.field) else {
        clauses.append("the header \(quote(match.field)) to be \(quote(match.value)), but the request has none")
        continue
      }
      guard value != match.value else { continue }
      // A credential header's actual value is left out, so the message cannot carry a key.
      let shown = Self.credentialHeaders.contains(match.field.lowercased()) ? "a different value" : quote(value)
      clauses.append("the header \(quote(match.field)) to be \(quote(match.value)), but it is \(shown)")
    }
    return clauses
  }

  private func unmetBodyFields(_ body: JSONValue) -> [String] {
    var clauses: [String] = []
    for path in bodyFields.present where BodyPath(path)?.value(in: body) == nil {
      clauses.append("the body field \(quote(path)), but it is missing")
    }
    for path in bodyFields.absent {
      guard let value = BodyPath(path)?.value(in: body) else { continue }
      clauses.append("no body field \(quote(path)), but it is \(Self.jsonText(value))")
    }
    for match in bodyFields.equals {
      let value = BodyPath(match.field)?.value(in: body)
      guard value != match.value else { continue }
      let found = value.map { "it is \(Self.jsonText($0))" } ?? "it is missing"
      clauses.append("the body field \(quote(match.field)) to be \(Self.jsonText(match.value)), but \(found)")
    }
    return clauses
  }

  /// Returns `value` as compact JSON, cut to 200 characters with an ellipsis when longer.
  private static func jsonText(_ value: JSONValue) -> String {
    let text = value.serializedString()
    return text.count > 200 ? "\(text.prefix(200))…" : text
  }

  /// Headers whose value is a credential.
  private static let credentialHeaders: Set<String> = ["authorization", "api-key", "x-api-key"]

  /// Splits a request target into its path and its query, which is empty without a `?`.
  static func split(target: String) -> (path: String, query: String) {
    guard let mark = target.firstIndex(of: "?") else { return (target, "") }
    return (String(target[..<mark]), String(target[target.index(after: mark)...]))
  }
}

extension MockToolResultExpectation {
  /// Returns whether `result` is the result of this expectation's call, with matching content.
  fileprivate func isMet(by result: APIRequest.ToolResult) -> Bool {
    guard result.callID == toolCallID else { return false }
    switch content {
    case .any: return true
    case .equals(let text): return result.content == text
    case .contains(let text): return result.content.contains(text)
    }
  }
}

/// Returns `text` in double quotes, cut to `limit` characters with an ellipsis when longer.
func quote(_ text: String, limit: Int? = nil) -> String {
  guard let limit, text.count > limit else { return "\"\(text)\"" }
  return "\"\(text.prefix(limit))…\""
}
