/// A complete HTTP response: status, header fields and the whole body.
public struct HTTPResponse: Sendable, Hashable {
  public var status: Int
  public var headers: [HTTPHeader]
  public var body: [UInt8]

  public init(status: Int, headers: [HTTPHeader], body: [UInt8]) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  /// Whether the status is in 200...299.
  public var isSuccess: Bool { (200...299).contains(status) }

  /// Returns the value of the first header named `name`, compared case-insensitively.
  public func value(forHeader name: String) -> String? {
    headers.firstValue(named: name)
  }
}
