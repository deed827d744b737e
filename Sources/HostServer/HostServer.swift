import AgentCore
import BYOKLogging
import Foundation
import JSONRPC
import Providers
import Synchronization

/// Settings for one host process.
public struct HostOptions: Sendable {
  public var version: String
  /// The working directory a session gets when `session.create` has no `workingDirectory`.
  public var defaultWorkingDirectory: String
  /// When set, `connect` must carry this token (TCP mode); otherwise any token is accepted.
  public var connectionToken: String?
  /// The provider used by sessions created or resumed without one, and asked by `models.list`.
  public var defaultProvider: ProviderConfiguration?

  public init(
    version: String, defaultWorkingDirectory: String, connectionToken: String? = nil,
    defaultProvider: ProviderConfiguration? = nil
  ) {
    self.version = version
    self.defaultWorkingDirectory = defaultWorkingDirectory
    self.connectionToken = connectionToken
    self.defaultProvider = defaultProvider
  }
}

/// The JSON-RPC methods of byok-host: the handshake, the session lifecycle and turns.
///
/// One `HostServer` serves every connection of the process. Sessions are shared; each session's events go
/// to the connection that created or last resumed it.
public final class HostServer: MessageHandler {
  /// The protocol version spoken by the Copilot SDKs that byok-host supports.
  public static let protocolVersion = 3
  /// 4 MiB: the event bytes a client may leave unread before streaming turns pause reading their provider.
  static let maximumQueuedOutputBytes = 4 * 1024 * 1024

  let options: HostOptions
  let environment: SessionEnvironment
  let catalog: ModelCatalog?
  let logger = Logger(subsystem: "server")
  let sessions = Mutex<[String: LoadedSession]>([:])
  let isShuttingDown = Atomic<Bool>(false)
  /// The connections that passed `connect` with the right token, when a token is required.
  let authenticatedConnections = Mutex<Set<ObjectIdentifier>>([])

  struct LoadedSession {
    var session: Session
    var connection: Connection
  }

  public init(options: HostOptions, environment: SessionEnvironment, catalog: ModelCatalog? = nil) {
    self.options = options
    self.environment = environment
    self.catalog = catalog
  }

  public func isLongRunning(method: String) -> Bool {
    method == "runtime.shutdown"
  }

  public func handle(notification method: String, params: JSONValue, connection: Connection) async {
    logger.debug("Ignored a notification", ["connection": connection.name, "method": method])
  }

  public func handle(request method: String, params: JSONValue, id: RequestID, connection: Connection) async throws
    -> JSONValue
  {
    logger.debug("Request received", ["connection": connection.name, "method": method, "id": id])
    guard let name = Self.canonicalMethod[method] else {
      logger.debug("Unhandled method", ["connection": connection.name, "method": method, "id": id])
      throw ResponseError.methodNotFound(method)
    }
    let reader = try ParamsReader(params: params)
    if options.connectionToken != nil, name != "connect",
      !authenticatedConnections.withLock({ $0.contains(ObjectIdentifier(connection)) })
    {
      throw ResponseError(
        code: .authenticationFailed,
        message: "AUTHENTICATION_FAILED: call connect with the connection token before \(method)")
    }
    switch name {
    case "connect": return try connect(reader, connection: connection)
    case "ping": return ping(reader)
    case "status.get": return ["version": .string(options.version), "protocolVersion": .int(Int64(Self.protocolVersion))]
    case "auth.getStatus":
      return [
        "isAuthenticated": false,
        "statusMessage": "byok-host needs no login: each session brings its own model provider and key",
      ]
    case "models.list": return try await listModels()
    case "session.create": return try await createSession(reader, connection: connection)
    case "session.resume": return try await resumeSession(reader, connection: connection)
    case "session.send": return try await send(reader, id: id, connection: connection)
    case "session.abort": return try await abort(reader)
    case "session.getMessages": return try await messages(reader)
    case "session.detach", "session.destroy": return try await detach(reader)
    case "session.list": return listSessions()
    case "session.getLastId": return lastSessionID()
    case "session.getMetadata": return try metadata(reader)
    case "session.delete": return try await deleteSession(reader, connection: connection)
    case "session.log": return try await log(reader)
    case "session.tools.handlePendingToolCall": return try await resolveClientRequest(reader, isPermission: false)
    case "session.permissions.handlePendingPermissionRequest":
      return try await resolveClientRequest(reader, isPermission: true)
    case "session.tools.set":
      let session = try loadedSession(reader)
      await session.setTools(try ToolDefinition.list(reader.optionalArray("tools") ?? []))
      return [:]
    case "session.options.update": return ["success": true]
    case "session.getForeground": return ["sessionId": nil]
    case "session.setForeground":
      return ["success": false, "error": "Not supported: byok-host has no TUI server to bring to the foreground"]
    case "runtime.shutdown":
      await shutdown()
      return [:]
    default:
      throw ResponseError.methodNotFound(method)
    }
  }

  /// Every method name byok-host answers, mapped to its canonical name; the short names are aliases with
  /// identical params and results.
  static let canonicalMethod: [String: String] = {
    let canonical = [
      "connect", "ping", "status.get", "auth.getStatus", "models.list", "session.create", "session.resume",
      "session.send", "session.abort", "session.getMessages", "session.detach", "session.destroy",
      "session.list", "session.getLastId", "session.getMetadata", "session.delete", "session.log",
      "session.options.update", "session.getForeground", "session.setForeground", "runtime.shutdown",
      "session.tools.handlePendingToolCall", "session.permissions.handlePendingPermissionRequest",
      "session.tools.set",
    ]
    var table = Dictionary(uniqueKeysWithValues: canonical.map { ($0, $0) })
    let aliases = [
      "createSession": "session.create", "send": "session.send", "resume": "session.resume",
      "abort": "session.abort", "getMessages": "session.getMessages", "listSessions": "session.list",
      "deleteSession": "session.delete", "getLastSessionId": "session.getLastId",
      "getSessionMetadata": "session.getMetadata", "detach": "session.detach", "shutdown": "runtime.shutdown",
    ]
    for (alias, name) in aliases { table[alias] = name }
    return table
  }()

  // MARK: - Handshake

  private func connect(_ reader: ParamsReader, connection: Connection) throws(ResponseError) -> JSONValue {
    if let expected = options.connectionToken {
      let token = try reader.optionalString("token")
      guard token == expected else {
        logger.warning("Rejected a connection with a wrong or missing token", ["connection": connection.name])
        throw ResponseError(
          code: .authenticationFailed,
          message: "AUTHENTICATION_FAILED: the connection token is missing or does not match "
            + "COPILOT_CONNECTION_TOKEN (or --connection-token)")
      }
      authenticatedConnections.withLock { _ = $0.insert(ObjectIdentifier(connection)) }
    }
    return ["ok": true, "protocolVersion": .int(Int64(Self.protocolVersion)), "version": .string(options.version)]
  }

  private func ping(_ reader: ParamsReader) -> JSONValue {
    let message = reader.object["message"]
    let text: String
    switch message {
    case .string(let value)?: text = "pong: \(value)"
    case nil, .null?: text = "pong"
    case let other?: text = "pong: \(other.serializedString())"
    }
    return ["message": .string(text), "timestamp": .string(Timestamp.now()), "protocolVersion": .int(Int64(Self.protocolVersion))]
  }

  // MARK: - Models

  /// The default provider's models, or none when no default provider is configured.
  private func listModels() async throws -> JSONValue {
    guard let provider = options.defaultProvider, let catalog else { return ["models": []] }
    do {
      let models = try await catalog.models(for: provider, userAgent: "byok-host/\(options.version)")
      return ["models": .array(models)]
    } catch let error as ProviderError {
      logger.warning("Listing models failed", ["errorType": error.kind.rawValue, "status": error.statusCode.map(String.init) ?? "none"])
      throw ResponseError.internalError("Could not list the default provider's models: \(error.message)")
    }
  }

  // MARK: - Shutdown

  /// Aborts every running turn and waits until each has emitted its final `session.idle`.
  public func shutdown() async {
    isShuttingDown.store(true, ordering: .relaxed)
    let loaded = sessions.withLock { Array($0.values) }
    for entry in loaded {
      await entry.session.stop()
    }
    logger.debug("Sessions stopped", ["count": loaded.count])
  }

  /// Stops the sessions a closed connection was receiving events for.
  public func connectionClosed(_ connection: Connection) async {
    let owned = sessions.withLock { sessions in
      sessions.values.filter { $0.connection === connection }
    }
    for entry in owned {
      await entry.session.stop()
      await entry.session.releaseLock()
    }
    sessions.withLock { sessions in
      sessions = sessions.filter { $0.value.connection !== connection }
    }
    authenticatedConnections.withLock { _ = $0.remove(ObjectIdentifier(connection)) }
  }
}
