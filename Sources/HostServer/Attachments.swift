import AgentCore
import Foundation
import JSONRPC

/// Reads `session.send` attachments: the form echoed in `user.message`, and the images sent to the model.
///
/// Images reach the model from `blob` attachments with an `image/*` type and from `file` attachments whose
/// extension is png, jpg, jpeg, gif or webp. Other attachments are echoed but not sent.
struct Attachments {
  var echoed: [JSONValue] = []
  var images: [ImageContent] = []

  /// 20 MiB: larger than any image a model provider accepts in one request part.
  static let maximumImageBytes = 20 * 1024 * 1024

  static let imageTypes = ["png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp"]

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
        let fileExtension = (path as NSString).pathExtension.lowercased()
        if type == "file", let mimeType = imageTypes[fileExtension] {
          result.images.append(try readImage(path: path, mimeType: mimeType, index: index))
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
      case "selection":
        // The SDKs' event schema requires all four fields, while their send API makes two optional.
        guard let filePath = object["filePath"]?.stringValue else {
          throw .invalidParams("attachments[\(index)].filePath is required for a selection attachment")
        }
        if object["displayName"]?.stringValue == nil {
          object["displayName"] = .string((filePath as NSString).lastPathComponent)
        }
        if object["text"]?.stringValue == nil { object["text"] = "" }
        if object["selection"]?.objectValue == nil {
          let origin: JSONValue = ["line": 0, "character": 0]
          object["selection"] = ["start": origin, "end": origin]
        }
      default:
        // Types the SDKs' event schema does not list would make them drop the whole user.message.
        continue
      }
      result.echoed.append(.object(object))
    }
    return result
  }

  private static func readImage(path: String, mimeType: String, index: Int) throws(ResponseError) -> ImageContent {
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    guard let size = attributes?[.size] as? Int, let data = FileManager.default.contents(atPath: path) else {
      throw .invalidParams("attachments[\(index)].path '\(path)' cannot be read; check that the image file exists")
    }
    guard size <= maximumImageBytes else {
      throw .invalidParams(
        "attachments[\(index)].path '\(path)' is \(size) bytes; images larger than \(maximumImageBytes) bytes are rejected")
    }
    return ImageContent(mimeType: mimeType, base64Data: data.base64EncodedString())
  }
}
