import Foundation
import JSONRPC

/// The session calls most tests make, with the checks that they succeeded.
extension HostProcess {
  /// Sends `connect` and returns its result.
  @discardableResult
  func connect() async throws -> JSONValue {
    try await call("connect", [:])
  }

  /// Creates a session with a new UUID as its id plus `params`; returns the id.
  func createSession(_ params: JSONObject) async throws -> String {
    let id = UUID().uuidString.lowercased()
    var object = params
    object["sessionId"] = .string(id)
    let result = try await call("session.create", .object(object))
    guard result["sessionId"]?.stringValue == id else {
      throw HarnessError("session.create returned \(result), expected sessionId \(id)")
    }
    return id
  }

  /// Creates a session that talks to `provider` with `model`.
  func createSession(provider: JSONValue?, model: String? = "mock-model", streaming: Bool = true) async throws
    -> String
  {
    var params: JSONObject = ["streaming": .bool(streaming)]
    if let provider { params["provider"] = provider }
    if let model { params["model"] = .string(model) }
    return try await createSession(params)
  }

  /// Sends `prompt` and returns the `messageId` of the send and its response.
  func send(_ sessionID: String, _ prompt: String) async throws -> (messageID: String, response: RPCResponse) {
    let response = try await request("session.send", ["sessionId": .string(sessionID), "prompt": .string(prompt)])
    guard let messageID = response.result?["messageId"]?.stringValue else {
      throw HarnessError("session.send returned no messageId: \(response.message)")
    }
    return (messageID, response)
  }

  /// Sends `prompt` and waits until the turn it starts has ended with `session.idle`.
  func runTurn(_ sessionID: String, _ prompt: String, timeout: Duration = defaultTimeout) async throws -> Turn {
    let (messageID, response) = try await send(sessionID, prompt)
    let events = try await waitForTurnEnd(sessionID, messageID: messageID, timeout: timeout)
    return Turn(messageID: messageID, sendResponse: response, events: events)
  }

  /// Returns the events of the send `messageID` so far: from its `user.message` through the next `session.idle`.
  func turnEvents(_ sessionID: String, messageID: String) -> [ObservedEvent] {
    let all = events(sessionID)
    guard
      let start = all.firstIndex(where: { $0.type == "user.message" && $0.string("messageId") == messageID })
    else { return [] }
    let rest = all[start...]
    guard let idle = rest.firstIndex(where: { $0.type == "session.idle" }) else { return Array(rest) }
    return Array(all[start...idle])
  }

  /// Waits until the send `messageID` has reached its `session.idle`; returns the turn's events.
  func waitForTurnEnd(_ sessionID: String, messageID: String, timeout: Duration = defaultTimeout) async throws
    -> [ObservedEvent]
  {
    let ended = await Polling.value(within: timeout) { () -> [ObservedEvent]? in
      let events = turnEvents(sessionID, messageID: messageID)
      return events.last?.type == "session.idle" ? events : nil
    }
    if let ended { return ended }
    let seen = turnEvents(sessionID, messageID: messageID).map(\.type).joined(separator: ", ")
    throw HarnessError(
      "The send \(messageID) of session \(sessionID) did not end with session.idle within \(timeout). "
        + "Its events so far: [\(seen)]. stderr: \(standardErrorText)")
  }
}
