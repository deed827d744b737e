import AgentCore
import BYOKLogging
import HTTPStreaming
import JSONRPC

/// Builds the streamed HTTP request for the Anthropic Messages API.
///
/// Only requested fields are sent besides the required `model`, `max_tokens`, `messages` and
/// `stream`: `system` when there is a system prompt, `tools` when tools are offered, and `thinking` when
/// `reasoningEffort` is set. No sampling parameters are sent.
struct AnthropicRequestBuilder: Sendable {
  var configuration: ProviderConfiguration
  var idleTimeout: Duration

  /// `{baseUrl}/v1/messages`; a base URL that already ends in `/v1` gets only `/messages` appended.
  var url: String {
    AnthropicPaths.url(configuration.baseURL, "messages")
  }

  /// Builds the JSON body; throws a configuration error for a `reasoningEffort` with no thinking budget.
  func body(for request: ModelRequest) throws(ProviderError) -> JSONValue {
    var budget: Int?
    if let effort = request.reasoningEffort {
      budget = try AnthropicThinking.budget(forEffort: effort)
    }

    var body = JSONObject()
    body["model"] = .string(request.model)
    body["max_tokens"] = .int(Int64(AnthropicThinking.maxTokens(requested: request.maxOutputTokens, budget: budget)))
    if !request.systemPrompt.isEmpty {
      body["system"] = .string(request.systemPrompt)
    }
    body["messages"] = .array(AnthropicMessageEncoder.messages(request.messages))
    if !request.tools.isEmpty {
      body["tools"] = .array(request.tools.map(Self.tool))
    }
    if let budget {
      body["thinking"] = ["type": "enabled", "budget_tokens": .int(Int64(budget))]
    }
    body["stream"] = true
    return .object(body)
  }

  /// Converts a tool to `{name, description, input_schema}`, leaving out an empty description.
  static func tool(_ tool: ToolDefinition) -> JSONValue {
    var object: JSONObject = ["name": .string(tool.name)]
    if !tool.description.isEmpty {
      object["description"] = .string(tool.description)
    }
    object["input_schema"] = tool.parameters
    return .object(object)
  }

  /// Builds the request around a serialized `body`, with `anthropic-version` and the credential in headers
  /// (see `ProviderHeaders`).
  ///
  /// An `anthropic-version` given in `provider.headers` or the send's headers replaces the built-in one.
  func httpRequest(body: [UInt8], for request: ModelRequest, clientToken: Secret?) -> HTTPRequest {
    let versionIsGiven =
      configuration.headers.contains { $0.name.lowercased() == "anthropic-version" }
      || request.extraHeaders.contains { $0.name.lowercased() == "anthropic-version" }
    let extra = versionIsGiven ? [] : [HTTPHeader(name: "anthropic-version", value: AnthropicPaths.version)]
    let headers = ProviderHeaders.make(
      configuration: configuration, clientToken: clientToken, accept: "text/event-stream", request: request,
      extra: extra)
    return HTTPRequest(method: .post, url: url, headers: headers, body: body, idleTimeout: idleTimeout)
  }

  func httpRequest(for request: ModelRequest, clientToken: Secret?) throws(ProviderError) -> HTTPRequest {
    httpRequest(body: try body(for: request).serializedBytes(), for: request, clientToken: clientToken)
  }
}
