import JSONRPC
import Synchronization

/// Responds to the requests a host sends to its client, such as `providerToken.getToken`, as an SDK would, and
/// keeps the params of each one.
final class ServerRequestHandler: Sendable {
  /// How long the handler keeps responding when `stop()` is never called.
  static let maximumLifetime = Duration.seconds(60)

  private let received = Mutex<[JSONValue]>([])
  private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

  /// Starts responding to every request of `method` from `host`, in arrival order, with the result `respond`
  /// returns for its params and its 1-based number. Call `stop()` when done.
  init(
    host: HostProcess, method: String, respond: @escaping @Sendable (_ params: JSONValue, _ number: Int) -> JSONValue
  ) {
    let loop = Task { [self] in
      let clock = ContinuousClock()
      let deadline = clock.now.advanced(by: Self.maximumLifetime)
      var answered: Set<Int> = []
      while !Task.isCancelled, clock.now < deadline {
        for message in host.messages where message.method == method && !answered.contains(message.sequence) {
          guard let id = message.json["id"], !id.isNull else { continue }
          answered.insert(message.sequence)
          let number = self.received.withLock { params in
            params.append(message.params)
            return params.count
          }
          try? host.writeFrame(["jsonrpc": "2.0", "id": id, "result": respond(message.params, number)])
        }
        try? await Task.sleep(for: Polling.interval)
      }
    }
    task.withLock { $0 = loop }
  }

  /// The params of every request responded to so far, in order.
  var requests: [JSONValue] {
    received.withLock { $0 }
  }

  func stop() {
    task.withLock { $0?.cancel() }
  }
}
