#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Synchronization

/// A log level, from the most to the least severe.
///
/// byok-host logs routine lifecycle lines at `debug`: the Copilot SDKs start it with `--log-level info` and
/// show every stderr line to their users as a warning, so `info` and above are kept for what a user should
/// see.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
  case error = 1
  case warning = 2
  case info = 3
  case debug = 4

  /// Parses the names the Copilot SDKs pass to `--log-level` (`none`, `error`, `warning`, `info`,
  /// `debug`, `all`) plus `warn`; `none` returns `nil`, meaning no logging.
  public static func parse(_ name: String) -> LogLevel?? {
    switch name.lowercased() {
    case "none", "off": return .some(nil)
    case "error": return .error
    case "warning", "warn": return .warning
    case "info": return .info
    case "debug", "all", "trace": return .debug
    default: return nil
    }
  }

  public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

  public var description: String {
    switch self {
    case .error: return "error"
    case .warning: return "warning"
    case .info: return "info"
    case .debug: return "debug"
    }
  }
}

/// A destination that receives whole log lines.
public protocol LogSink: Sendable {
  func write(line: String)
}

/// Writes log lines to a file descriptor (stderr by default) with one `write(2)` per line.
public struct FileDescriptorLogSink: LogSink {
  private let fileDescriptor: Int32

  public init(fileDescriptor: Int32 = 2) {
    self.fileDescriptor = fileDescriptor
  }

  public func write(line: String) {
    var bytes = Array(line.utf8)
    bytes.append(0x0A)
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { buffer in
        #if canImport(Glibc)
          Glibc.write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
        #else
          Darwin.write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
        #endif
      }
      if written < 0 {
        if errno == EINTR { continue }
        return
      }
      offset += written
    }
  }
}

/// Collects log lines in memory, for tests.
public final class InMemoryLogSink: LogSink {
  private let storage = Mutex<[String]>([])

  public init() {}

  public func write(line: String) {
    storage.withLock { $0.append(line) }
  }

  public var lines: [String] { storage.withLock { $0 } }
}

/// A leveled logger that writes one line per event: time, level, subsystem, message and `key=value`
/// metadata.
///
/// Messages are constant sentences; ids and counts go into metadata. Never pass a credential: values
/// are written as given, and `Secret` prints as `<redacted>`.
public struct Logger: Sendable {
  public let subsystem: String
  private let configuration: LogConfiguration

  public init(subsystem: String, configuration: LogConfiguration = .shared) {
    self.subsystem = subsystem
    self.configuration = configuration
  }

  public func isEnabled(_ level: LogLevel) -> Bool {
    configuration.isEnabled(level)
  }

  public func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ metadata: KeyValuePairs<String, Any> = [:]) {
    guard configuration.isEnabled(level) else { return }
    var line = "\(Timestamp.now()) \(level) [\(subsystem)] \(message())"
    for (key, value) in metadata {
      line += " \(key)=\(Logger.format(value))"
    }
    configuration.sink.write(line: line)
  }

  public func error(_ message: @autoclosure () -> String, _ metadata: KeyValuePairs<String, Any> = [:]) {
    log(.error, message(), metadata)
  }

  public func warning(_ message: @autoclosure () -> String, _ metadata: KeyValuePairs<String, Any> = [:]) {
    log(.warning, message(), metadata)
  }

  public func info(_ message: @autoclosure () -> String, _ metadata: KeyValuePairs<String, Any> = [:]) {
    log(.info, message(), metadata)
  }

  public func debug(_ message: @autoclosure () -> String, _ metadata: KeyValuePairs<String, Any> = [:]) {
    log(.debug, message(), metadata)
  }

  /// Formats a metadata value, quoting it when it contains spaces or quotes so a line stays parseable.
  private static func format(_ value: Any) -> String {
    let text = (value as? Secret).map { $0.description } ?? String(describing: value)
    let needsQuotes = text.isEmpty || text.contains { $0 == " " || $0 == "\"" || $0 == "\n" || $0 == "=" }
    guard needsQuotes else { return text }
    var escaped = ""
    for character in text {
      switch character {
      case "\\": escaped += "\\\\"
      case "\"": escaped += "\\\""
      case "\n": escaped += "\\n"
      default: escaped.append(character)
      }
    }
    return "\"\(escaped)\""
  }
}

/// The process-wide log level and sink, set once by the command line before any work starts.
public final class LogConfiguration: Sendable {
  public static let shared = LogConfiguration()

  private let state = Mutex<(level: LogLevel?, sink: any LogSink)>((.warning, FileDescriptorLogSink()))

  public init(level: LogLevel? = .warning, sink: any LogSink = FileDescriptorLogSink()) {
    state.withLock { $0 = (level, sink) }
  }

  /// Sets the level; `nil` turns logging off.
  public func setLevel(_ level: LogLevel?) {
    state.withLock { $0.level = level }
  }

  public func setSink(_ sink: any LogSink) {
    state.withLock { $0.sink = sink }
  }

  public var sink: any LogSink { state.withLock { $0.sink } }

  public func isEnabled(_ level: LogLevel) -> Bool {
    state.withLock { state in
      guard let threshold = state.level else { return false }
      return level <= threshold
    }
  }
}
