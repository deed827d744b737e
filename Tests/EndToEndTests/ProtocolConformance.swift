import JSONRPC

/// Checks the messages a client and a host exchanged against the protocol schemas.
///
/// Every message must have a schema. A request is checked by its method (params), a response by the
/// method of its request (result, or the error object), and a notification by its method. Each event of
/// `session.event` and of the `session.getMessages` result is checked by its type (envelope plus data).
///
/// Three kinds of client messages probe the host's error handling, so only the host's response to them is
/// checked: messages that are not JSON-RPC 2.0 at all, the params of a request the host rejected as
/// invalid (-32600 or -32602), and a request for a method the host does not implement (-32601).
struct ProtocolConformance {
  let schemas: ProtocolSchemas
  let validator: JSONSchemaValidator

  /// The error codes of a request that was itself invalid.
  static let invalidRequestCodes: Set<Int> = [-32600, -32602]
  static let methodNotFoundCode = -32601

  init(schemas: ProtocolSchemas) {
    self.schemas = schemas
    validator = JSONSchemaValidator(schemas: schemas.schemas)
  }

  /// Returns one message per violation, each naming the frame, its method or event type and the failing path.
  func violations(sent: [JSONValue], received: [JSONValue]) -> [String] {
    var problems: [String] = []
    let clientRequests = requestMethods(sent)
    let hostRequests = requestMethods(received)
    var errorCodes: [JSONValue: Int] = [:]
    for message in received where message["method"] == nil {
      if let id = message["id"], let code = message["error"]?["code"]?.intValue {
        errorCodes[id] = code
      }
    }

    for (number, message) in sent.enumerated() {
      let label = "client → host message \(number + 1)"
      guard validator.validate(message, against: schemas.messageSchema).isEmpty else { continue }
      problems += check(message, label: label, sentByHost: false, peerRequests: hostRequests, errorCodes: errorCodes)
    }
    for (number, message) in received.enumerated() {
      let label = "host → client message \(number + 1)"
      let framing = validator.validate(message, against: schemas.messageSchema)
      guard framing.isEmpty else {
        problems.append(describe(label, "not a JSON-RPC 2.0 message", framing, message))
        continue
      }
      problems += check(message, label: label, sentByHost: true, peerRequests: clientRequests, errorCodes: [:])
    }
    return problems
  }

  /// Maps the id of each request among `messages` to its method.
  private func requestMethods(_ messages: [JSONValue]) -> [JSONValue: String] {
    var methods: [JSONValue: String] = [:]
    for message in messages {
      if let id = message["id"], !id.isNull, let method = message["method"]?.stringValue {
        methods[id] = method
      }
    }
    return methods
  }

  /// Checks one well-formed JSON-RPC message. `peerRequests` maps the ids of the other side's requests to
  /// their methods, and `errorCodes` maps the ids of this side's requests to the error codes they got.
  private func check(
    _ message: JSONValue, label: String, sentByHost: Bool, peerRequests: [JSONValue: String],
    errorCodes: [JSONValue: Int]
  ) -> [String] {
    let id = message["id"]
    let sender = sentByHost ? "host" : "client"
    if let name = message["method"]?.stringValue {
      let params = message["params"] ?? [:]
      if let id {
        let code = errorCodes[id]
        guard let method = schemas.method(name) else {
          if code == Self.methodNotFoundCode { return [] }
          return ["\(label): the request \(name) has no schema in index.json"]
        }
        guard method.direction.allows(sentByHost: sentByHost) else {
          return ["\(label): \(name) is a \(method.direction.rawValue) request, but the \(sender) sent it"]
        }
        if let code, Self.invalidRequestCodes.contains(code) { return [] }
        return validate(params, method.params, label: "\(label) (\(name) params)", message: message)
      }
      guard let notification = schemas.notifications[name] else {
        return ["\(label): the notification \(name) has no schema in index.json"]
      }
      guard notification.direction.allows(sentByHost: sentByHost) else {
        return ["\(label): \(name) is a \(notification.direction.rawValue) notification, but the \(sender) sent it"]
      }
      var problems = validate(params, notification.params, label: "\(label) (\(name) params)", message: message)
      if name == "session.event", let event = params["event"] {
        problems += validateEventData(event, label: label, message: message)
      }
      return problems
    }

    guard let id, !id.isNull, let name = peerRequests[id] else {
      if message["result"] != nil {
        return ["\(label): a result for id \(Self.preview(id ?? .null)), which no request of the other side used"]
      }
      // An error for a message whose id was unreadable, or that was not a request. message.json checked it.
      return []
    }
    if message["error"] != nil { return [] }
    guard let method = schemas.method(name), let resultSchema = method.result else {
      return ["\(label): the result of \(name) has no schema in index.json"]
    }
    let result = message["result"] ?? .null
    var problems = validate(result, resultSchema, label: "\(label) (\(name) result)", message: message)
    if schemas.canonicalName(name) == "session.getMessages" {
      for (index, event) in (result["events"]?.arrayValue ?? []).enumerated() {
        problems += validateEventData(event, label: "\(label) (\(name) result, event \(index))", message: message)
      }
    }
    return problems
  }

  /// Checks an envelope's `data` against the schema of its `type`. The schema that contains the envelope
  /// checks the envelope itself.
  private func validateEventData(_ event: JSONValue, label: String, message: JSONValue) -> [String] {
    guard let type = event["type"]?.stringValue else { return [] }
    guard let schema = schemas.events[type] else {
      return ["\(label): the event type \(type) has no schema in index.json: \(Self.preview(message))"]
    }
    return validate(event["data"] ?? .null, schema, label: "\(label) (event \(type) data)", message: message)
  }

  private func validate(_ instance: JSONValue, _ schema: String, label: String, message: JSONValue) -> [String] {
    let violations = validator.validate(instance, against: schema)
    guard !violations.isEmpty else { return [] }
    return [describe(label, "violates \(schema)", violations, message)]
  }

  private func describe(_ label: String, _ summary: String, _ violations: [SchemaViolation], _ message: JSONValue)
    -> String
  {
    let details = violations.map(\.description).joined(separator: "; ")
    return "\(label) \(summary): \(details). Message: \(Self.preview(message))"
  }

  /// Returns the message's JSON text, cut to 600 characters.
  static func preview(_ message: JSONValue) -> String {
    let text = message.serializedString()
    return text.count > 600 ? text.prefix(600) + "…" : text
  }
}
