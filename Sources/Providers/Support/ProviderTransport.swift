import AgentCore
import BYOKLogging
import HTTPStreaming
import JSONRPC

/// Opens a provider's streaming response: fetches a bearer token when the client provides them, sends the
/// request, and retries failures that happen before the first streamed byte.
///
/// Retried: HTTP 408, 409, 429 and 5xx, and connection failures, with exponential backoff and jitter that
/// honour `retry-after-ms` and `retry-after` up to `RetryPolicy.maximumDelay`; an `x-should-retry` header
/// overrides the status. A 401 with a client token provider fetches a new token and tries once more.
/// Failures after the response started streaming are never retried here.
struct ProviderTransport: Sendable {
  var httpClient: any HTTPClient
  var errors: ProviderErrorMapper
  var retryPolicy: RetryPolicy
  var context: ProviderContext
  /// Whether to ask the client for a token before each request.
  var usesClientTokens: Bool
  var providerName = "default"
  let logger = Logger(subsystem: "provider")

  /// A response whose status is 2xx, with the iterator positioned after `.response`.
  struct OpenResponse {
    var status: Int
    var headers: [HTTPHeader]
    var body: AsyncThrowingStream<HTTPStreamEvent, any Error>.AsyncIterator
  }

  /// Sends the request built by `makeRequest` (given the client's token, if any) until it gets a 2xx
  /// response or a failure that is not retried.
  func open(_ makeRequest: (Secret?) -> HTTPRequest) async throws -> OpenResponse {
    var retries = 0
    var refreshedAfter401 = false
    while true {
      try Task.checkCancellation()
      let token = try await clientToken()
      let request = makeRequest(token)
      let failure: Failure
      do {
        var iterator = httpClient.stream(request).makeAsyncIterator()
        guard case .response(let status, let headers)? = try await iterator.next() else {
          throw ProviderError(kind: .invalidResponse, message: "The provider closed the connection without a response.")
        }
        if (200..<300).contains(status) {
          return OpenResponse(status: status, headers: headers, body: iterator)
        }
        var body: [UInt8] = []
        while let event = try await iterator.next() {
          if case .body(let bytes) = event { body.append(contentsOf: bytes) }
        }
        failure = .status(status, headers, body)
      } catch let error as ProviderError {
        throw error
      } catch {
        if Task.isCancelled || (error as? HTTPClientError) == .cancelled { throw CancellationError() }
        failure = .transport(error)
      }

      if case .status(401, _, _) = failure, usesClientTokens, !refreshedAfter401 {
        refreshedAfter401 = true
        logger.debug("Provider rejected the client's token; fetching a new one", ["session": context.sessionID])
        continue
      }
      guard let delay = retryDelay(for: failure, retry: retries + 1) else {
        throw mappedError(failure)
      }
      retries += 1
      let notice = RetryNotice(
        attempt: retries, maximumAttempts: retryPolicy.maximumRetries, delay: delay, statusCode: failure.statusCode,
        reason: mappedError(failure).message)
      logger.warning(
        "Retrying a failed provider request",
        ["session": context.sessionID, "attempt": retries, "status": failure.statusCode.map(String.init) ?? "none",
         "delayMilliseconds": delay / .milliseconds(1)])
      await context.reportRetry?(notice)
      try await Task.sleep(for: delay)
    }
  }

  private enum Failure {
    case status(Int, [HTTPHeader], [UInt8])
    case transport(any Error)

    var statusCode: Int? {
      if case .status(let status, _, _) = self { return status }
      return nil
    }
  }

  private func mappedError(_ failure: Failure) -> ProviderError {
    switch failure {
    case .status(let status, _, let body): return errors.map(status: status, body: body)
    case .transport(let error): return errors.map(transportError: error)
    }
  }

  private func clientToken() async throws -> Secret? {
    guard usesClientTokens else { return nil }
    guard let fetch = context.fetchBearerToken else {
      throw ProviderError(
        kind: .configuration,
        message: "provider.hasBearerTokenProvider is true, but this client cannot answer providerToken.getToken.")
    }
    do {
      return try await fetch(providerName)
    } catch is CancellationError {
      throw CancellationError()
    } catch {
      throw ProviderError(
        kind: .authentication,
        message: "The client failed to supply a bearer token (providerToken.getToken): \(errors.redact("\(error)"))")
    }
  }

  /// The delay before retry number `retry`, or `nil` when the failure is not retried.
  private func retryDelay(for failure: Failure, retry: Int) -> Duration? {
    guard retry <= retryPolicy.maximumRetries else { return nil }
    var serverDelay: Duration?
    switch failure {
    case .status(let status, let headers, let body):
      if let shouldRetry = headers.firstValue(named: "x-should-retry")?.lowercased() {
        guard shouldRetry == "true" else { return nil }
      } else {
        guard [408, 409, 429].contains(status) || (500...599).contains(status) else { return nil }
        if status == 429 && errors.map(status: status, body: body).kind == .quota { return nil }
      }
      serverDelay = Self.serverRequestedDelay(headers)
    case .transport(let error):
      guard let httpError = error as? HTTPClientError else { return nil }
      switch httpError {
      case .connectionFailed, .transport, .timedOut: break
      default: return nil
      }
    }
    if let serverDelay {
      return min(serverDelay, retryPolicy.maximumDelay)
    }
    let base = retryPolicy.initialDelay * (1 << min(retry - 1, 16))
    let jitter = Double.random(in: 0.75...1.0)
    return min(base * jitter, retryPolicy.maximumDelay)
  }

  /// The delay a response asks for in `retry-after-ms` or `retry-after` (seconds, or an HTTP date).
  static func serverRequestedDelay(_ headers: [HTTPHeader]) -> Duration? {
    if let text = headers.firstValue(named: "retry-after-ms"), let milliseconds = Double(text), milliseconds >= 0 {
      return .milliseconds(Int64(milliseconds))
    }
    guard let text = headers.firstValue(named: "retry-after")?.trimmingWhitespace() else { return nil }
    if let seconds = Double(text), seconds >= 0 {
      return .milliseconds(Int64(seconds * 1000))
    }
    if let date = HTTPDate.parse(text) {
      let seconds = max(0, date - HTTPDate.now())
      return .seconds(seconds)
    }
    return nil
  }
}
