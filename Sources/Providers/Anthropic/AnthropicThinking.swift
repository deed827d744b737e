import AgentCore

/// The extended-thinking budget for a session's `reasoningEffort`, and the `max_tokens` value that fits it.
///
/// Effort to `budget_tokens`: `minimal` and `low` 1024 (the API's minimum), `medium` 4096, `high` 16384,
/// `xhigh` and `max` 32000. `none` turns thinking off. Any other value is a configuration error.
enum AnthropicThinking {
  /// `max_tokens` when `provider.maxOutputTokens` is not set. The Messages API rejects a request without
  /// `max_tokens` and has no default of its own; 8192 is within the output limit of Claude 3.5 and later.
  ///
  /// NOTE: Claude 3 Haiku caps output at 4096 tokens and rejects this default; set `provider.maxOutputTokens`
  /// for it.
  static let defaultMaxTokens = 8192

  /// Tokens reserved for the visible output when `max_tokens` has to be raised above the thinking budget.
  static let answerTokens = 8192

  /// Returns the `budget_tokens` for `effort`, or nil when the effort turns thinking off.
  static func budget(forEffort effort: String) throws(ProviderError) -> Int? {
    switch effort.lowercased() {
    case "none": return nil
    case "minimal", "low": return 1024
    case "medium": return 4096
    case "high": return 16384
    case "xhigh", "max": return 32000
    default:
      throw ProviderError(
        kind: .configuration,
        message: "reasoningEffort '\(effort)' is not supported by the Anthropic provider; "
          + "use none, minimal, low, medium, high, xhigh or max.")
    }
  }

  /// Returns `max_tokens`: the requested value, else `defaultMaxTokens`, raised to `budget + answerTokens`
  /// when it does not exceed the thinking budget, because the API requires `budget_tokens < max_tokens`.
  ///
  /// NOTE: models whose output limit is 32000 tokens (Claude Opus 4 and 4.1) reject `xhigh` and `max`,
  /// since no `max_tokens` they accept exceeds a 32000-token budget.
  static func maxTokens(requested: Int?, budget: Int?) -> Int {
    let maxTokens = requested ?? defaultMaxTokens
    guard let budget, maxTokens <= budget else { return maxTokens }
    return budget + answerTokens
  }
}
