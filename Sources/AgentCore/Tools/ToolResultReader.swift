import JSONRPC

/// Reads the client's answer to `external_tool.requested` into what the model sees.
///
/// Only `textResultForLlm` reaches the model. When the client's handler failed (a top-level `error`),
/// the model gets a generic failure text instead of the raw error, which may hold private details.
enum ToolResultReader {
  struct Result {
    var text: String
    var resultType: String
    var images: [ImageContent]
  }

  static let knownResultTypes: Set<String> = ["success", "failure", "denied", "rejected", "timeout"]

  static func read(_ answer: JSONObject, toolName: String, arguments: String) -> Result {
    switch answer["result"] {
    case .string(let text)?:
      return Result(text: text, resultType: "success", images: [])
    case .object(let result)?:
      let text = result["textResultForLlm"]?.stringValue ?? ""
      let type = result["resultType"]?.stringValue ?? "success"
      var images: [ImageContent] = []
      for binary in result["binaryResultsForLlm"]?.arrayValue ?? [] {
        guard let data = binary["data"]?.stringValue, let mimeType = binary["mimeType"]?.stringValue,
          mimeType.hasPrefix("image/")
        else { continue }
        images.append(ImageContent(mimeType: mimeType, base64Data: data))
      }
      return Result(text: text, resultType: knownResultTypes.contains(type) ? type : "failure", images: images)
    case .some(let other) where !other.isNull:
      return Result(text: other.serializedString(), resultType: "success", images: [])
    default:
      let argumentsText = arguments.isEmpty ? "{}" : arguments
      return Result(
        text: "Failed to execute `\(toolName)` tool with arguments: \(argumentsText) due to error: "
          + "Error: Tool execution failed",
        resultType: "failure", images: [])
    }
  }
}
