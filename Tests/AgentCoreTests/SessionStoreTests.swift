import AgentCore
import Foundation
import JSONRPC
import Testing

@Suite struct SessionStoreTests {
  private func temporaryHome() -> String {
    let path = NSTemporaryDirectory() + "byok-store-\(UUID().uuidString)"
    return path
  }

  @Test func appendsAndLoadsInOrder() throws {
    let store = SessionStore(home: temporaryHome())
    defer { try? FileManager.default.removeItem(atPath: store.home) }
    try store.createDirectory(for: "s")
    let first = SessionEvent(parentID: nil, type: "session.start", data: [:], isEphemeral: false)
    let second = SessionEvent(parentID: first.id, type: "user.message", data: ["content": "x"], isEphemeral: false)
    try store.append([first], to: "s")
    try store.append([second], to: "s")
    #expect(try store.loadEvents("s") == [first, second])
  }

  @Test func skipsTornLastLine() throws {
    let store = SessionStore(home: temporaryHome())
    defer { try? FileManager.default.removeItem(atPath: store.home) }
    try store.createDirectory(for: "s")
    let event = SessionEvent(parentID: nil, type: "session.start", data: [:], isEphemeral: false)
    try store.append([event], to: "s")
    let handle = try #require(FileHandle(forWritingAtPath: store.directory(for: "s") + "/events.jsonl"))
    handle.seekToEndOfFile()
    handle.write(Data(#"{"id":"torn","timest"#.utf8))
    try handle.close()
    #expect(try store.loadEvents("s") == [event])
  }

  @Test func createsPrivateFoldersAndFiles() throws {
    let store = SessionStore(home: temporaryHome())
    defer { try? FileManager.default.removeItem(atPath: store.home) }
    try store.createDirectory(for: "s")
    try store.append([SessionEvent(parentID: nil, type: "x", data: [:], isEphemeral: false)], to: "s")
    let folder = try FileManager.default.attributesOfItem(atPath: store.directory(for: "s"))
    let file = try FileManager.default.attributesOfItem(atPath: store.directory(for: "s") + "/events.jsonl")
    #expect((folder[.posixPermissions] as? Int) == 0o700)
    #expect((file[.posixPermissions] as? Int) == 0o600)
  }

  @Test func deleteReportsMissingSession() throws {
    let store = SessionStore(home: temporaryHome())
    #expect(try store.delete("absent") == false)
  }
}
