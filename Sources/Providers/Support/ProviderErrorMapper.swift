import AgentCore
import BYOKLogging
import Foundation
import HTTPStreaming
import JSONRPC

/// Turns HTTP failures and provider error bodies into `ProviderError`s with a stable kind, the
/// provider's own message and what to do next.
///
/// Every message passes through `redact`, so a provider that echoes the key back ("Incorrect API key
/// provided: sk-…") cannot leak it into an event.
struct ProviderErrorMapper: Sendable {
  var providerName: String
  var baseURL: String
  /// Credentials whose text, and words that begin like them, are removed from messages.
  var secrets: [Secret]

  /// Maps a non-2xx response.
  func map(status: Int, body: [UInt8]) -> ProviderError {
    let json = try? JSONParser.parse(body)
    let errorObject = json?["error"]
    let providerMessage =
      errorObject?["message"]?.stringValue ?? errorObject?.stringValue ?? json?["message"]?.stringValue
      ?? Self.plainText(body)
    // OpenAI puts the reason in `code`, Anthropic in `type` and, for spend limits, in `details.error_code`.
    let code = [
      errorObject?["code"]?.stringValue, errorObject?["type"]?.stringValue,
      errorObject?["details"]?["error_code"]?.stringValue,
    ].compactMap { $0 }.joined(separator: " ").lowercased()
    let lowercasedMessage = providerMessage.lowercased()
    let isContextLength =
      code.contains("context_length") || lowercasedMessage.contains("context length")
      || lowercasedMessage.contains("prompt is too long") || lowercasedMessage.contains("maximum context")
    let isQuota =
      code.contains("quota") || code.contains("spend_limit") || lowercasedMessage.contains("credit balance")

    let kind: ProviderError.Kind
    let advice: String
    switch status {
    case 401:
      kind = .authentication
      advice = "Check the API key or bearer token given in the session's provider."
    case 403:
      kind = .authorization
      advice = "The key is valid but not allowed to use this model or endpoint; check its permissions."
    case 404:
      kind = .notFound
      advice = "Check provider.baseUrl and the model name."
    case 408:
      kind = .timeout
      advice = "The provider timed out; send the message again."
    case 413:
      kind = .contextLength
      advice = "The request is too large; start a new session or shorten the prompt."
    case 429 where isQuota:
      kind = .quota
      advice = "The account has no quota left; check the provider's billing."
    case 429:
      kind = .rateLimit
      advice = "The provider is rate limiting requests; wait a moment and send the message again."
    case 400...499 where isContextLength:
      kind = .contextLength
      advice = "The conversation is longer than the model's context window; start a new session."
    case 400...499 where code.contains("content_filter") || code.contains("content_policy"):
      kind = .contentFilter
      advice = "The provider's content filter blocked the request; rephrase the prompt."
    case 400...499:
      kind = .badRequest
      advice = "The provider rejected the request; check the model name and the session's settings."
    default:
      kind = .server
      advice = "The provider had a server error; try again later."
    }
    let message = "\(providerName) returned HTTP \(status): \(Self.sentence(redact(providerMessage))) \(advice)"
    return ProviderError(kind: kind, message: message, statusCode: status)
  }

  /// Maps an `error` object that arrived inside a 200 stream.
  func mapStreamError(_ error: JSONValue) -> ProviderError {
    let providerMessage = error["message"]?.stringValue ?? error.serializedString()
    let type = (error["type"]?.stringValue ?? error["code"]?.stringValue ?? "").lowercased()
    let kind: ProviderError.Kind =
      type.contains("rate_limit") ? .rateLimit : type.contains("content_filter") ? .contentFilter : .server
    return ProviderError(
      kind: kind,
      message: "\(providerName) reported an error in the middle of the answer: \(Self.sentence(redact(providerMessage))) "
        + "The answer is incomplete; send the message again.")
  }

  /// Maps a transport failure before or during the stream.
  func map(transportError error: any Error) -> ProviderError {
    if let error = error as? ProviderError { return error }
    guard let httpError = error as? HTTPClientError else {
      return ProviderError(kind: .network, message: "The request to the provider failed: \(redact("\(error)"))")
    }
    switch httpError {
    case .timedOut:
      return ProviderError(
        kind: .timeout,
        message: "\(providerName) at \(baseURL) sent nothing for too long (\(httpError)). "
          + "The server may be overloaded; send the message again, or raise --stream-idle-timeout.")
    case .invalidURL:
      return ProviderError(
        kind: .configuration, message: "provider.baseUrl '\(baseURL)' is not a valid URL; fix it in the session's provider.")
    default:
      return ProviderError(
        kind: .network,
        message: "Could not reach the provider at \(baseURL): \(redact(httpError.description)). "
          + "Check provider.baseUrl, the network and any proxy settings.")
    }
  }

  /// Removes every credential, and any word that contains the first 6 characters of one (such as a masked
  /// `sk-abc***xyz`), from `text`.
  func redact(_ text: String) -> String {
    var result = text
    for secret in secrets where !secret.revealedValue.isEmpty {
      result = result.replacingAll(secret.revealedValue, with: "<redacted>")
      let prefix = String(secret.revealedValue.prefix(6))
      guard secret.revealedValue.count >= 8 else { continue }
      result = result.split(separator: " ", omittingEmptySubsequences: false)
        .map { $0.contains(prefix) ? "<redacted>" : String($0) }
        .joined(separator: " ")
    }
    return result
  }

  /// The provider's text with a final period when it has no closing punctuation, so the advice that
  /// follows reads as a sentence of its own.
  static func sentence(_ text: String) -> String {
    let trimmed = text.trimmingWhitespace()
    guard let last = trimmed.last, !".!?)".contains(last) else { return trimmed }
    return trimmed + "."
  }

  private static func plainText(_ body: [UInt8]) -> String {
    let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingWhitespace()
    return text.isEmpty ? "(empty response body)" : text
  }
}

extension String {
  func replacingAll(_ target: String, with replacement: String) -> String {
    guard !target.isEmpty else { return self }
    return components(separatedBy: target).joined(separator: replacement)
  }

  func trimmingWhitespace() -> String {
    var characters = Substring(self)
    while characters.first?.isWhitespace == true { characters.removeFirst() }
    while characters.last?.isWhitespace == true { characters.removeLast() }
    return String(characters)
  }
}
