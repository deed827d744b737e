import AgentCore
import BYOKLogging
import HTTPStreaming
import Foundation
import JSONRPC

/// Builds the HTTP request for OpenAI Chat Completions, streamed with usage included, for OpenAI-compatible
/// servers and for Azure OpenAI.
///
/// Only fields the session asked for are sent: `reasoning_effort` when `reasoningEffort` is set and
/// `max_completion_tokens` when `provider.maxOutputTokens` is set.
struct OpenAIChatRequestBuilder: Sendable {
  var configuration: ProviderConfiguration
  var idleTimeout: Duration

  /// `{baseUrl}/chat/completions` for OpenAI-compatible servers. For Azure with `azure.apiVersion`:
  /// `{baseUrl}/openai/deployments/{deployment}/chat/completions?api-version=…`, where the deployment is
  /// the wire model; without it, the versionless `{baseUrl}/openai/v1/chat/completions`.
  func url(model: String) -> String {
    Self.url(configuration: configuration, model: model, path: "chat/completions")
  }

  static func url(configuration: ProviderConfiguration, model: String, path: String) -> String {
    guard configuration.kind == .azure else {
      return join(configuration.baseURL, path)
    }
    var base = configuration.baseURL
    while base.hasSuffix("/") { base.removeLast() }
    if base.hasSuffix("/openai/v1") || base.hasSuffix("/openai") {
      base = String(base[..<base.range(of: "/openai", options: .backwards)!.lowerBound])
    }
    guard let version = configuration.azureAPIVersion else {
      return "\(base)/openai/v1/\(path)"
    }
    let deployment = model.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? model
    let encodedVersion = version.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? version
    return "\(base)/openai/deployments/\(deployment)/\(path)?api-version=\(encodedVersion)"
  }

  static func join(_ baseURL: String, _ path: String) -> String {
    var base = baseURL
    while base.hasSuffix("/") { base.removeLast() }
    return base + "/" + path
  }

  func body(for request: ModelRequest) -> JSONValue {
    var body = JSONObject()
    body["model"] = .string(request.model)
    body["messages"] = .array(messages(for: request))
    if !request.tools.isEmpty {
      body["tools"] = .array(
        request.tools.map { tool in
          [
            "type": "function",
            "function": [
              "name": .string(tool.name), "description": .string(tool.description), "parameters": tool.parameters,
            ],
          ]
        })
    }
    body["stream"] = true
    body["stream_options"] = ["include_usage": true]
    if let effort = request.reasoningEffort { body["reasoning_effort"] = .string(effort) }
    if let maximum = request.maxOutputTokens { body["max_completion_tokens"] = .int(Int64(maximum)) }
    return .object(body)
  }

  func messages(for request: ModelRequest) -> [JSONValue] {
    var messages: [JSONValue] = []
    if !request.systemPrompt.isEmpty {
      messages.append(["role": "system", "content": .string(request.systemPrompt)])
    }
    // Chat Completions tool messages hold text only, so images that tools return go in one user message after
    // the round's tool messages, which must follow their assistant message without a gap.
    var toolImages: [(callID: String, images: [ImageContent])] = []
    func flushToolImages() {
      guard !toolImages.isEmpty else { return }
      var parts: [JSONValue] = []
      for entry in toolImages {
        parts.append(["type": "text", "text": .string("Images returned by tool call \(entry.callID):")])
        parts.append(contentsOf: Self.imageParts(entry.images))
      }
      messages.append(["role": "user", "content": .array(parts)])
      toolImages = []
    }
    for message in request.messages {
      if message.role != .tool { flushToolImages() }
      switch message.role {
      case .user:
        messages.append(["role": "user", "content": Self.content(text: message.text, images: message.images)])
      case .assistant:
        var object: JSONObject = ["role": "assistant"]
        object["content"] = message.text.isEmpty && !message.toolCalls.isEmpty ? .null : .string(message.text)
        if !message.toolCalls.isEmpty {
          object["tool_calls"] = .array(
            message.toolCalls.map { call in
              [
                "id": .string(call.id), "type": "function",
                "function": ["name": .string(call.name), "arguments": .string(call.arguments)],
              ]
            })
        }
        messages.append(.object(object))
      case .tool:
        messages.append(["role": "tool", "tool_call_id": JSONValue(message.toolCallID), "content": .string(message.text)])
        if !message.images.isEmpty { toolImages.append((message.toolCallID ?? "", message.images)) }
      }
    }
    flushToolImages()
    return messages
  }

  /// A plain string, or an array of text and `image_url` parts when there are images.
  static func content(text: String, images: [ImageContent]) -> JSONValue {
    guard !images.isEmpty else { return .string(text) }
    var parts: [JSONValue] = []
    if !text.isEmpty { parts.append(["type": "text", "text": .string(text)]) }
    parts.append(contentsOf: imageParts(images))
    return .array(parts)
  }

  static func imageParts(_ images: [ImageContent]) -> [JSONValue] {
    images.map { image in
      ["type": "image_url", "image_url": ["url": .string("data:\(image.mimeType);base64,\(image.base64Data)")]]
    }
  }

  /// The request, with credentials in headers (see `ProviderHeaders`).
  func httpRequest(for request: ModelRequest, clientToken: Secret?) -> HTTPRequest {
    let headers = ProviderHeaders.make(
      configuration: configuration, clientToken: clientToken, accept: "text/event-stream", request: request)
    return HTTPRequest(
      method: .post, url: url(model: request.model), headers: headers, body: body(for: request).serializedBytes(),
      idleTimeout: idleTimeout)
  }
}
