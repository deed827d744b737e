import BYOKLogging

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An ``HTTPClient`` on libcurl's multi interface, driven by one dedicated thread that waits in `poll`.
///
/// Connections are kept alive and reused. Proxies come from `HTTPS_PROXY`, `https_proxy`, `http_proxy`,
/// `ALL_PROXY` (read by libcurl) and `HTTP_PROXY` (read here, because libcurl ignores the upper-case name),
/// minus the hosts in `NO_PROXY`. `SSL_CERT_FILE` and `SSL_CERT_DIR` replace the system CA bundle when set. Redirects are not followed.
/// The thread starts with the first request and stops after the client is released and its streams end.
public final class CurlHTTPClient: HTTPClient {
  let engine: CurlEngine

  /// - Parameters:
  ///   - maximumConnectionsPerHost: Open connections allowed to one host; further requests queue.
  ///   - maximumBufferedBytes: Body bytes buffered per stream for a slow consumer before the transfer pauses.
  ///   - logger: Receives one debug line per request start, end, cancellation and timeout.
  public init(
    maximumConnectionsPerHost: Int = 1024,
    maximumBufferedBytes: Int = 1 << 20,
    logger: Logger = Logger(subsystem: "http")
  ) {
    let configuration = CurlEngine.Configuration(
      maximumConnectionsPerHost: maximumConnectionsPerHost,
      maximumBufferedBytes: maximumBufferedBytes,
      certificateFile: CurlHTTPClient.environmentValue("SSL_CERT_FILE"),
      certificateDirectory: CurlHTTPClient.environmentValue("SSL_CERT_DIR"),
      httpProxy: CurlHTTPClient.environmentValue("http_proxy") == nil
        ? CurlHTTPClient.environmentValue("HTTP_PROXY") : nil,
      noProxy: CurlHTTPClient.environmentValue("NO_PROXY") ?? CurlHTTPClient.environmentValue("no_proxy"))
    engine = CurlEngine(configuration: configuration, logger: logger)
  }

  deinit {
    engine.releaseClient()
  }

  public func stream(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPStreamEvent, any Error> {
    do {
      try request.validate()
    } catch {
      let (stream, continuation) = AsyncThrowingStream<HTTPStreamEvent, any Error>.makeStream()
      continuation.finish(throwing: error)
      return stream
    }

    let transferID = engine.makeTransferID()
    let channel = TransferChannel(
      transferID: transferID, engine: engine, maximumBufferedBytes: engine.configuration.maximumBufferedBytes)
    engine.submit(CurlTransfer(id: transferID, request: request, channel: channel))
    let lifetime = StreamLifetime(channel: channel)
    return AsyncThrowingStream(unfolding: {
      try await lifetime.channel.next()
    })
  }

  private static func environmentValue(_ name: String) -> String? {
    guard let value = getenv(name), value.pointee != 0 else { return nil }
    return String(cString: value)
  }
}

/// Cancels a transfer when the stream that reads it is released.
///
/// The stream's unfolding closure holds the only reference, and the standard library releases that closure
/// when the consuming task is cancelled or the stream and its iterators are dropped. Cancelling a transfer
/// that already ended does nothing.
private final class StreamLifetime: Sendable {
  let channel: TransferChannel

  init(channel: TransferChannel) {
    self.channel = channel
  }

  deinit {
    channel.cancel()
  }
}
