import BYOKLogging

/// The session and client services a provider may use while it makes a model call.
public struct ProviderContext: Sendable {
  public var sessionID: String
  /// Fetches a fresh bearer token from the client (`providerToken.getToken`); set when the provider has
  /// `hasBearerTokenProvider`. The argument is the provider's name, `default` for a session's only provider.
  public var fetchBearerToken: (@Sendable (_ providerName: String) async throws -> Secret)?
  /// Tells the client that a failed request will be tried again after a delay.
  public var reportRetry: (@Sendable (RetryNotice) async -> Void)?

  public init(
    sessionID: String,
    fetchBearerToken: (@Sendable (_ providerName: String) async throws -> Secret)? = nil,
    reportRetry: (@Sendable (RetryNotice) async -> Void)? = nil
  ) {
    self.sessionID = sessionID
    self.fetchBearerToken = fetchBearerToken
    self.reportRetry = reportRetry
  }
}

/// A request that failed before streaming began and will be sent again.
public struct RetryNotice: Sendable, Equatable {
  /// The retry about to be made, starting at 1.
  public var attempt: Int
  public var maximumAttempts: Int
  public var delay: Duration
  /// The HTTP status that failed, or `nil` for a connection failure.
  public var statusCode: Int?
  /// The failure, described without credentials.
  public var reason: String

  public init(attempt: Int, maximumAttempts: Int, delay: Duration, statusCode: Int?, reason: String) {
    self.attempt = attempt
    self.maximumAttempts = maximumAttempts
    self.delay = delay
    self.statusCode = statusCode
    self.reason = reason
  }
}

/// The retry rules for provider requests that fail before the first streamed byte.
public struct RetryPolicy: Sendable, Equatable {
  /// Retries after the first attempt; 0 turns retrying off.
  public var maximumRetries: Int
  /// The longest delay waited, whether computed or asked for by `retry-after`.
  public var maximumDelay: Duration
  /// The delay before the first retry when the server gives none; it doubles each retry.
  public var initialDelay: Duration

  public init(maximumRetries: Int = 3, maximumDelay: Duration = .seconds(60), initialDelay: Duration = .milliseconds(500)) {
    self.maximumRetries = maximumRetries
    self.maximumDelay = maximumDelay
    self.initialDelay = initialDelay
  }
}
