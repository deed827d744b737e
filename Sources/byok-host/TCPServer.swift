#if canImport(Glibc)
  import Glibc
#endif
import BYOKLogging
import Foundation
import HostServer
import JSONRPC
import Synchronization

/// TCP mode: serves any number of clients on one port, each connection with the same framing as stdio.
///
/// It prints `listening on port N` on stdout once ready (the Copilot SDKs wait for that line), then
/// serves until SIGTERM or SIGINT. When `--connection-token` or `COPILOT_CONNECTION_TOKEN` is set, each
/// client must send it in `connect` before anything else.
enum TCPServer {
  static func run(_ options: ServeOptions) async -> Int32 {
    let signals = TerminationSignals.install()
    guard ByokHost.configureLogging(options) else { return 66 }
    let logger = Logger(subsystem: "tcp")
    let token =
      options.connectionToken
      ?? ProcessInfo.processInfo.environment["COPILOT_CONNECTION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    let listener: TCPListener
    do {
      listener = try TCPListener.listen(host: options.host, port: options.port ?? 0)
    } catch {
      StandardStreams.writeError("Error: \(error.description). Choose another --port or --host.")
      return 69
    }
    let (server, environment) = ByokHost.makeServer(options, connectionToken: token)
    let connections = ConnectionTable()

    let acceptThread = Thread {
      var number = 0
      while let client = listener.accept() {
        number += 1
        let connection = Connection(name: "tcp-\(number)", input: client, output: client)
        connections.insert(connection, for: client)
        logger.debug("Client connected", ["connection": connection.name])
        connection.start(handler: server)
        Task {
          await connection.waitUntilInputClosed()
          logger.debug("Client disconnected", ["connection": connection.name])
          await server.connectionClosed(connection)
          connection.close()
          if connections.remove(client) != nil {
            close(client)
          }
        }
      }
    }
    acceptThread.name = "byok-host accept"
    acceptThread.start()

    StandardStreams.writeOutput("byok-host listening on port \(listener.port)\n")
    // Nothing else may reach stdout, which the parent reads only for the line above.
    dup2(STDERR_FILENO, STDOUT_FILENO)
    logger.debug("Host started", ["port": listener.port, "home": environment.store.home, "pid": getpid()])

    let reason = await TerminationSignals.wait(signals)
    logger.debug("Host stopping", ["reason": reason])
    listener.close()
    await server.shutdown()
    for (descriptor, connection) in connections.removeAll() {
      connection.close(flushTimeout: .seconds(2))
      shutdown(descriptor, Int32(SHUT_RDWR))
      close(descriptor)
    }
    logger.debug("Host stopped")
    return 0
  }
}

/// The open client connections by socket, shared by the accept thread and the tasks that close them.
final class ConnectionTable: Sendable {
  private let connections = Mutex<[Int32: Connection]>([:])

  func insert(_ connection: Connection, for descriptor: Int32) {
    connections.withLock { $0[descriptor] = connection }
  }

  /// Removes and returns the connection of `descriptor`; `nil` when shutdown already took it.
  func remove(_ descriptor: Int32) -> Connection? {
    connections.withLock { $0.removeValue(forKey: descriptor) }
  }

  func removeAll() -> [Int32: Connection] {
    connections.withLock { open in
      defer { open.removeAll() }
      return open
    }
  }
}
