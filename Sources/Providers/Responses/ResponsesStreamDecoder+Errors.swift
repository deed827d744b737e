import AgentCore
import JSONRPC

extension ResponsesStreamDecoder {
  /// Maps the `error` object of `response.failed`, or an `error` event, to a `ProviderError` classified by
  /// its `code`.
  ///
  /// The Responses API reports in-band failures by code (`server_error`, `rate_limit_exceeded`,
  /// `invalid_prompt`, `invalid_image…`, …), so retrying is advised only where it can help. `status` is the
  /// response's status when the error object is missing.
  static func streamFailure(_ error: JSONValue?, status: String?, errors: ProviderErrorMapper) -> ProviderError {
    let code = error?["code"]?.stringValue ?? error?["type"]?.stringValue ?? ""
    let providerMessage =
      error?["message"]?.stringValue ?? "The response ended with status \(status ?? "unknown") and no error message."
    let lowercasedCode = code.lowercased()

    let kind: ProviderError.Kind
    let advice: String
    if lowercasedCode.contains("rate_limit") {
      kind = .rateLimit
      advice = "The provider is rate limiting requests; wait a moment and send the message again."
    } else if lowercasedCode.contains("quota") {
      kind = .quota
      advice = "The account has no quota left; check the provider's billing."
    } else if lowercasedCode.contains("context_length") {
      kind = .contextLength
      advice = "The conversation is longer than the model's context window; start a new session."
    } else if lowercasedCode.contains("content_filter") || lowercasedCode.contains("content_policy") {
      kind = .contentFilter
      advice = "The provider's content filter blocked the answer; rephrase the prompt."
    } else if lowercasedCode.hasPrefix("invalid_") || lowercasedCode.contains("image") {
      kind = .badRequest
      advice = "The provider rejected the prompt or an attached image; change it and send the message again."
    } else {
      kind = .server
      advice = "The answer is incomplete; send the message again."
    }
    let codeText = code.isEmpty ? "" : " (\(errors.redact(code)))"
    return ProviderError(
      kind: kind,
      message: "\(errors.providerName) reported an error in the middle of the answer\(codeText): "
        + "\(errors.redact(providerMessage)) \(advice)")
  }
}
