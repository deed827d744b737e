/// A credential such as an API key or bearer token, which prints as `<redacted>` everywhere.
///
/// `Secret` is deliberately not `Encodable`, so it cannot reach a persisted file by accident. Only the
/// code that builds a provider's HTTP headers reads `revealedValue`.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
  CustomReflectable
{
  /// The credential itself; read it only to put it into an outgoing request header.
  public let revealedValue: String

  public init(_ value: String) {
    self.revealedValue = value
  }

  public var description: String { "<redacted>" }
  public var debugDescription: String { "<redacted>" }
  public var customMirror: Mirror { Mirror(self, children: [:]) }
}
