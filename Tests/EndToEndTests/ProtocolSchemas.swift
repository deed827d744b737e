import Foundation
import JSONRPC

/// The schemas of `protocol/schemas/` and its `index.json`, which maps each method, notification and event
/// type to its schema files.
struct ProtocolSchemas: Sendable {
  /// Who sends a method's requests or a notification.
  enum Direction: String, Sendable {
    case clientToHost = "client-to-host"
    case hostToClient = "host-to-client"
    case both

    func allows(sentByHost: Bool) -> Bool {
      switch self {
      case .both: return true
      case .clientToHost: return !sentByHost
      case .hostToClient: return sentByHost
      }
    }
  }

  struct Method: Sendable {
    var direction: Direction
    var params: String
    /// `nil` for a notification.
    var result: String?
  }

  let schemas: JSONSchemaSet
  let messageSchema: String
  let errorSchema: String
  let envelopeSchema: String
  let methods: [String: Method]
  /// Alias names mapped to the method they stand for.
  let aliases: [String: String]
  let notifications: [String: Method]
  /// The data schema of each event type.
  let events: [String: String]

  /// `<package root>/protocol/schemas`.
  static var directory: String {
    // This file is <root>/Tests/EndToEndTests/ProtocolSchemas.swift.
    URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent()
      .deletingLastPathComponent()
      .deletingLastPathComponent()
      .appendingPathComponent("protocol/schemas").path
  }

  /// The schemas of this checkout, loaded once per test process.
  static let shared: Result<ProtocolSchemas, HarnessError> = {
    do {
      return .success(try ProtocolSchemas(directory: directory))
    } catch let error as HarnessError {
      return .failure(error)
    } catch {
      return .failure(HarnessError("Could not load the protocol schemas from \(directory): \(error)"))
    }
  }()

  init(directory: String) throws {
    let schemas = try JSONSchemaSet(directory: directory)
    guard let index = schemas.documents["index.json"] else {
      throw HarnessError("\(directory) has no index.json")
    }
    func file(_ key: String) throws -> String {
      guard let name = index[key]?.stringValue else { throw HarnessError("index.json has no string '\(key)'") }
      return name
    }
    func entries(_ key: String) throws -> [String: Method] {
      var entries: [String: Method] = [:]
      for (name, entry) in index[key]?.objectValue ?? [:] {
        guard let directionName = entry["direction"]?.stringValue, let direction = Direction(rawValue: directionName),
          let params = entry["params"]?.stringValue
        else {
          throw HarnessError("index.json \(key).\(name) needs a direction and params: \(entry)")
        }
        entries[name] = Method(direction: direction, params: params, result: entry["result"]?.stringValue)
      }
      return entries
    }
    self.schemas = schemas
    messageSchema = try file("message")
    errorSchema = try file("error")
    envelopeSchema = try file("envelope")
    methods = try entries("methods")
    notifications = try entries("notifications")
    aliases = (index["aliases"]?.objectValue ?? [:]).reduce(into: [:]) { $0[$1.key] = $1.value.stringValue }
    events = (index["events"]?.objectValue ?? [:]).reduce(into: [:]) { $0[$1.key] = $1.value.stringValue }
  }

  /// The method an alias stands for, or `name` itself.
  func canonicalName(_ name: String) -> String {
    aliases[name] ?? name
  }

  /// The schemas of a method, looked up by its name or one of its aliases.
  func method(_ name: String) -> Method? {
    methods[canonicalName(name)]
  }
}
