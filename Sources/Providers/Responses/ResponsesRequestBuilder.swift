import AgentCore
import BYOKLogging
import Foundation
import HTTPStreaming
import JSONRPC

/// Builds the HTTP request for the OpenAI Responses API, streamed and stateless (`store: false`), for
/// OpenAI-compatible servers and for Azure OpenAI.
///
/// Every turn resends the whole conversation as input items, because nothing is stored on the server. Only
/// fields the session asked for are sent: `reasoning` and `include` when `reasoningEffort` is set and
/// `max_output_tokens` when `provider.maxOutputTokens` is set.
struct ResponsesRequestBuilder: Sendable {
  var configuration: ProviderConfiguration
  var idleTimeout: Duration

  /// `{baseUrl}/responses` for OpenAI-compatible servers. For Azure with `azure.apiVersion`:
  /// `{baseUrl}/openai/responses?api-version=…`; without it, the versionless `{baseUrl}/openai/v1/responses`.
  ///
  /// Azure serves the Responses API under no deployment path: the deployment is named by `model` in the
  /// body, as the Azure client of the official OpenAI Python SDK sends it.
  func url() -> String {
    var versionless = configuration
    versionless.azureAPIVersion = nil
    let url = OpenAIChatRequestBuilder.url(configuration: versionless, model: "", path: "responses")
    guard configuration.kind == .azure, let version = configuration.azureAPIVersion else {
      return url
    }
    // The versionless Azure URL always ends in this suffix, so what precedes it is the resource endpoint.
    let endpoint = url.dropLast("/openai/v1/responses".count)
    let encodedVersion = version.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? version
    return "\(endpoint)/openai/responses?api-version=\(encodedVersion)"
  }

  func body(for request: ModelRequest) -> JSONValue {
    var body = JSONObject()
    body["model"] = .string(request.model)
    if !request.systemPrompt.isEmpty {
      body["instructions"] = .string(request.systemPrompt)
    }
    body["input"] = .array(input(for: request))
    if !request.tools.isEmpty {
      // `strict` defaults to true on this API, and strict mode rejects ordinary schemas that do not list every
      // property as required. False keeps the non-strict behaviour that Chat Completions has by default.
      body["tools"] = .array(
        request.tools.map { tool in
          [
            "type": "function", "name": .string(tool.name), "description": .string(tool.description),
            "parameters": tool.parameters, "strict": false,
          ]
        })
    }
    body["stream"] = true
    body["store"] = false
    if let effort = request.reasoningEffort {
      // The session's reasoningSummary, else "auto" so reasoning text can stream to the client.
      body["reasoning"] = ["effort": .string(effort), "summary": .string(request.reasoningSummary ?? "auto")]
      // Without `store`, a reasoning item can be sent back only with its encrypted content.
      body["include"] = ["reasoning.encrypted_content"]
    }
    if let maximum = request.maxOutputTokens {
      body["max_output_tokens"] = .int(Int64(maximum))
    }
    return .object(body)
  }

  /// Converts the conversation to input items, in order. An assistant message becomes its reasoning items,
  /// then its text, then one `function_call` item per tool call.
  func input(for request: ModelRequest) -> [JSONValue] {
    var items: [JSONValue] = []
    for message in request.messages {
      switch message.role {
      case .user:
        items.append(["type": "message", "role": "user", "content": Self.inputContent(message)])
      case .assistant:
        items.append(contentsOf: message.reasoningItems.filter(Self.isReplayableReasoning))
        if !message.text.isEmpty {
          items.append([
            "type": "message", "role": "assistant",
            "content": [["type": "output_text", "text": .string(message.text)]],
          ])
        }
        for call in message.toolCalls {
          items.append([
            "type": "function_call", "call_id": .string(call.id), "name": .string(call.name),
            "arguments": .string(call.arguments),
          ])
        }
      case .tool:
        // The output is a string, or an array of input parts when the tool returned images.
        let output: JSONValue = message.images.isEmpty ? .string(message.text) : Self.inputContent(message)
        items.append(["type": "function_call_output", "call_id": JSONValue(message.toolCallID), "output": output])
      }
    }
    return items
  }

  /// Builds the content parts of a message: an `input_text` part (left out when the text is empty and there
  /// are images), then one `input_image` part per image, as a base64 data URL.
  ///
  /// `detail` is a required field of `input_image` in the API's schema; `auto` is its documented default.
  static func inputContent(_ message: ConversationMessage) -> JSONValue {
    var parts: [JSONValue] = []
    if !message.text.isEmpty || message.images.isEmpty {
      parts.append(["type": "input_text", "text": .string(message.text)])
    }
    for image in message.images {
      parts.append([
        "type": "input_image", "image_url": .string("data:\(image.mimeType);base64,\(image.base64Data)"),
        "detail": "auto",
      ])
    }
    return .array(parts)
  }

  /// Whether a stored reasoning item can be sent back without `store`: it must be a Responses `reasoning`
  /// item with its encrypted content.
  ///
  /// An item without encrypted content (the session set no `reasoningEffort`), or another provider's
  /// reasoning block from before a provider change, would make the request fail.
  static func isReplayableReasoning(_ item: JSONValue) -> Bool {
    item["type"]?.stringValue == "reasoning" && item["encrypted_content"]?.stringValue != nil
  }

  /// Builds the HTTP request, with credentials in headers (see `ProviderHeaders`).
  func httpRequest(for request: ModelRequest, clientToken: Secret?) -> HTTPRequest {
    let headers = ProviderHeaders.make(
      configuration: configuration, clientToken: clientToken, accept: "text/event-stream", request: request)
    return HTTPRequest(
      method: .post, url: url(), headers: headers, body: body(for: request).serializedBytes(),
      idleTimeout: idleTimeout)
  }
}
