import AgentCore
import JSONRPC
import Testing

@Suite struct SessionEventTests {
  @Test func envelopeHasRequiredMembers() {
    let event = SessionEvent(parentID: nil, type: EventType.sessionStart, data: ["sessionId": "s"], isEphemeral: false)
    let json = event.jsonValue
    #expect(json["id"]?.stringValue?.count == 36)
    #expect(json["timestamp"]?.stringValue?.hasSuffix("Z") == true)
    #expect(json["parentId"] == .null)
    #expect(json["type"] == "session.start")
    #expect(json["data"] == ["sessionId": "s"])
    #expect(json["ephemeral"] == nil)
  }

  @Test func ephemeralFlagOnlyWhenEphemeral() {
    let event = SessionEvent(parentID: "p", type: EventType.sessionIdle, data: [:], isEphemeral: true)
    #expect(event.jsonValue["ephemeral"] == true)
    #expect(event.jsonValue["parentId"] == "p")
  }

  @Test(arguments: [
    EventType.sessionIdle, EventType.messageDelta, EventType.messageStart, EventType.usage,
    EventType.pendingMessagesModified, EventType.sessionUsageInfo,
  ])
  func streamedOnlyTypesAreEphemeral(type: String) {
    #expect(EventType.ephemeral.contains(type))
  }

  @Test(arguments: [
    EventType.sessionStart, EventType.userMessage, EventType.assistantMessage, EventType.turnStart,
    EventType.turnEnd, EventType.sessionError, EventType.abort, EventType.sessionResume,
  ])
  func historyTypesArePersisted(type: String) {
    #expect(!EventType.ephemeral.contains(type))
  }

  @Test func envelopeRoundTrips() throws {
    let event = SessionEvent(parentID: "a", type: "user.message", data: ["content": "hi"], isEphemeral: false)
    let parsed = SessionEvent(json: try JSONParser.parse(event.jsonValue.serializedString()))
    #expect(parsed == event)
  }

  @Test func timestampIsISO8601() {
    let timestamp = SessionEvent(parentID: nil, type: "x", data: [:], isEphemeral: false).timestamp
    let pattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
    #expect(timestamp.wholeMatch(of: pattern) != nil)
  }
}

@Suite struct SessionIDTests {
  @Test(arguments: ["a/b", "..", "a..b", "x\\y", "tab\there", "nul\u{0}", "", String(repeating: "a", count: 201)])
  func rejectsUnsafeIDs(id: String) {
    #expect(throws: ResponseError.self) { try SessionID.validate(id) }
  }

  @Test(arguments: ["2c7a8f99-8ae0-44e6-a7a1-01e6b4ee030e", "my-session_1", "émoji✓"])
  func acceptsOrdinaryIDs(id: String) {
    #expect(throws: Never.self) { try SessionID.validate(id) }
  }

  @Test func rejectionIsInvalidParams() {
    do {
      try SessionID.validate("../etc")
      Issue.record("expected an error")
    } catch {
      #expect(error.code == .invalidParams)
      #expect(error.message.contains("sessionId"))
    }
  }
}

@Suite struct ConversationHistoryTests {
  @Test func rebuildsUserAndAssistantTurns() {
    let events = [
      SessionEvent(parentID: nil, type: EventType.sessionStart, data: [:], isEphemeral: false),
      SessionEvent(parentID: nil, type: EventType.userMessage, data: ["content": "Hi"], isEphemeral: false),
      SessionEvent(parentID: nil, type: EventType.assistantMessage, data: ["content": "Hello"], isEphemeral: false),
      SessionEvent(parentID: nil, type: EventType.sessionResume, data: [:], isEphemeral: false),
    ]
    let history = ConversationHistory.rebuild(from: events)
    #expect(history == [
      ConversationMessage(role: .user, text: "Hi"), ConversationMessage(role: .assistant, text: "Hello"),
    ])
  }
}
