import BYOKLogging
import Foundation
import JSONRPC

/// Persists sessions under `<home>/session-state/<sessionId>/`: `events.jsonl` (one persisted event per
/// line, append-only) and `session.json` (settings and times, never credentials).
///
/// Folders are created with mode 0700 and files with 0600. A torn last line, left by a crash in the
/// middle of a write, is skipped on load with a warning.
public final class SessionStore: Sendable {
  public let home: String
  private let logger = Logger(subsystem: "store")

  public init(home: String) {
    self.home = home
  }

  public var sessionsDirectory: String { home + "/session-state" }

  public func directory(for sessionID: String) -> String {
    sessionsDirectory + "/" + sessionID
  }

  private func eventsPath(_ sessionID: String) -> String { directory(for: sessionID) + "/events.jsonl" }
  private func metadataPath(_ sessionID: String) -> String { directory(for: sessionID) + "/session.json" }

  public func exists(_ sessionID: String) -> Bool {
    FileManager.default.fileExists(atPath: eventsPath(sessionID))
  }

  /// Creates the session's folder (and the state folders above it) with mode 0700.
  public func createDirectory(for sessionID: String) throws(PersistenceError) {
    for path in [home, sessionsDirectory, directory(for: sessionID)] {
      if mkdir(path, 0o700) != 0 && errno != EEXIST {
        throw PersistenceError(path: path, operation: "create the folder", errorNumber: errno)
      }
    }
  }

  /// Appends events to the session's log in one write, so each line lands whole.
  public func append(_ events: [SessionEvent], to sessionID: String) throws(PersistenceError) {
    guard !events.isEmpty else { return }
    var bytes: [UInt8] = []
    for event in events {
      event.jsonValue.write(into: &bytes)
      bytes.append(0x0A)
    }
    try appendBytes(bytes, to: eventsPath(sessionID))
  }

  /// Loads the persisted events in order, skipping a torn or corrupt line with a warning.
  ///
  /// With `repair`, a torn last line (no final newline, left by a crash mid-write) is also cut off the
  /// file, so the next append starts a line of its own; only the process holding the session's lock may
  /// repair.
  public func loadEvents(_ sessionID: String, repair: Bool = false) throws(PersistenceError) -> [SessionEvent] {
    let path = eventsPath(sessionID)
    guard var data = FileManager.default.contents(atPath: path) else {
      throw PersistenceError(path: path, operation: "read the event log", errorNumber: ENOENT)
    }
    if repair, let last = data.last, last != 0x0A {
      let keep = (data.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
      logger.warning(
        "Cut a torn last line off the event log", ["session": sessionID, "bytes": data.count - keep])
      guard truncate(path, off_t(keep)) == 0 else {
        throw PersistenceError(path: path, operation: "repair the event log", errorNumber: errno)
      }
      data = data.prefix(keep)
    }
    var events: [SessionEvent] = []
    let lines = data.split(separator: 0x0A, omittingEmptySubsequences: true)
    for (number, line) in lines.enumerated() {
      guard let json = try? JSONParser.parse(line), let event = SessionEvent(json: json) else {
        let isLast = number == lines.count - 1
        logger.warning(
          isLast ? "Skipped a torn last line in the event log" : "Skipped a corrupt line in the event log",
          ["session": sessionID, "line": number + 1])
        continue
      }
      events.append(event)
    }
    return events
  }

  /// Takes the session's lock file, which only one host process may hold; the kernel frees it when the
  /// process exits, even after `kill -9`.
  ///
  /// Throws `SessionLockError.inUse` when another process holds it.
  public func lock(_ sessionID: String) throws -> SessionLock {
    let path = directory(for: sessionID) + "/lock"
    let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw PersistenceError(path: path, operation: "open the session lock", errorNumber: errno)
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      let reason = errno
      var holder = [UInt8](repeating: 0, count: 32)
      let count = read(descriptor, &holder, holder.count)
      close(descriptor)
      guard reason == EWOULDBLOCK else {
        throw PersistenceError(path: path, operation: "lock the session", errorNumber: reason)
      }
      let pid = count > 0 ? String(decoding: holder[0..<count], as: UTF8.self) : "unknown"
      throw SessionLockError.inUse(sessionID: sessionID, holderProcessID: pid)
    }
    let pid = Array(String(getpid()).utf8)
    _ = ftruncate(descriptor, 0)
    _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    return SessionLock(fileDescriptor: descriptor)
  }

  public func writeMetadata(_ metadata: JSONValue, for sessionID: String) throws(PersistenceError) {
    let path = metadataPath(sessionID)
    let temporary = path + ".tmp"
    var bytes = metadata.serializedBytes()
    bytes.append(0x0A)
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw PersistenceError(path: temporary, operation: "write session metadata", errorNumber: errno)
    }
    let ok = writeAll(descriptor, bytes)
    let writeError = errno
    close(descriptor)
    guard ok else {
      throw PersistenceError(path: temporary, operation: "write session metadata", errorNumber: writeError)
    }
    if rename(temporary, path) != 0 {
      throw PersistenceError(path: path, operation: "replace session metadata", errorNumber: errno)
    }
  }

  public func loadMetadata(_ sessionID: String) -> JSONValue? {
    guard let data = FileManager.default.contents(atPath: metadataPath(sessionID)) else { return nil }
    return try? JSONParser.parse(data)
  }

  /// The ids of every persisted session.
  public func sessionIDs() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: sessionsDirectory)) ?? []
    return names.filter { exists($0) }
  }

  /// Removes the session's folder; returns `false` when it did not exist.
  public func delete(_ sessionID: String) throws(PersistenceError) -> Bool {
    let path = directory(for: sessionID)
    guard FileManager.default.fileExists(atPath: path) else { return false }
    do {
      try FileManager.default.removeItem(atPath: path)
    } catch {
      throw PersistenceError(path: path, operation: "delete the session folder", errorNumber: EIO)
    }
    return true
  }

  private func appendBytes(_ bytes: [UInt8], to path: String) throws(PersistenceError) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw PersistenceError(path: path, operation: "open the event log", errorNumber: errno)
    }
    defer { close(descriptor) }
    guard writeAll(descriptor, bytes) else {
      throw PersistenceError(path: path, operation: "append to the event log", errorNumber: errno)
    }
  }

  private func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
      if written < 0 {
        if errno == EINTR { continue }
        return false
      }
      offset += written
    }
    return true
  }
}

/// The exclusive hold one host process has on a session's folder; closing it lets another host load it.
public final class SessionLock: Sendable {
  private let fileDescriptor: Int32

  init(fileDescriptor: Int32) {
    self.fileDescriptor = fileDescriptor
  }

  deinit {
    close(fileDescriptor)
  }
}

/// A failure to lock a session for this process.
public enum SessionLockError: Error, CustomStringConvertible {
  case inUse(sessionID: String, holderProcessID: String)

  public var description: String {
    switch self {
    case .inUse(let sessionID, let holder):
      return "Session \(sessionID) is in use by another byok-host process (pid \(holder)). "
        + "Detach it there (session.detach) or stop that process, then resume it here."
    }
  }
}

/// A failed file operation on the state directory, with the path and the system's reason.
public struct PersistenceError: Error, Sendable, CustomStringConvertible {
  public var path: String
  public var operation: String
  public var errorNumber: Int32

  public var description: String {
    "Could not \(operation) at \(path): \(String(cString: strerror(errorNumber))). "
      + "Check that the state directory is writable and the disk is not full, or pass --home DIR."
  }
}
