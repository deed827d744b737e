import AgentCore
import Foundation
import JSONRPC

/// Reads `session.send` attachments: the form echoed in `user.message`, and the images sent to the model.
struct Attachments {
  var echoed: [JSONValue] = []
  var images: [ImageContent] = []

  static func read(_ values: [JSONValue]) throws(ResponseError) -> Attachments {
    var result = Attachments()
    for (index, value) in values.enumerated() {
      guard var object = value.objectValue, let type = object["type"]?.stringValue else {
        throw .invalidParams("attachments[\(index)] must be an object with a string 'type'")
      }
      switch type {
      case "file", "directory":
        guard let path = object["path"]?.stringValue else {
          throw .invalidParams("attachments[\(index)].path is required for a \(type) attachment")
        }
        if object["displayName"]?.stringValue == nil {
          object["displayName"] = .string((path as NSString).lastPathComponent)
        }
      case "blob":
        guard let data = object["data"]?.stringValue, let mimeType = object["mimeType"]?.stringValue else {
          throw .invalidParams("attachments[\(index)] of type blob needs string 'data' (base64) and 'mimeType'")
        }
        if mimeType.hasPrefix("image/") {
          result.images.append(ImageContent(mimeType: mimeType, base64Data: data))
        }
        // The event log keeps the attachment's description, not its possibly large data.
        object["data"] = nil
      default:
        break
      }
      result.echoed.append(.object(object))
    }
    return result
  }
}
