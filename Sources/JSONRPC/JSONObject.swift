/// A JSON object whose members keep their insertion order.
///
/// Lookups go through a dictionary of positions, so they stay O(1) for large objects. Setting an existing
/// key replaces its value in place; setting `nil` removes it. When a parsed document repeats a key, the
/// last value wins, as in most JSON parsers.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
  public private(set) var keys: [String] = []
  private var values: [String: JSONValue] = [:]

  public init() {}

  public init(dictionaryLiteral elements: (String, JSONValue)...) {
    for (key, value) in elements { self[key] = value }
  }

  public init(_ pairs: [(String, JSONValue)]) {
    for (key, value) in pairs { self[key] = value }
  }

  public var count: Int { keys.count }
  public var isEmpty: Bool { keys.isEmpty }

  public subscript(key: String) -> JSONValue? {
    get { values[key] }
    set {
      guard let newValue else {
        if values.removeValue(forKey: key) != nil {
          keys.removeAll { $0 == key }
        }
        return
      }
      if values.updateValue(newValue, forKey: key) == nil {
        keys.append(key)
      }
    }
  }

  public func makeIterator() -> AnyIterator<(key: String, value: JSONValue)> {
    var index = 0
    return AnyIterator {
      guard index < keys.count else { return nil }
      let key = keys[index]
      index += 1
      return (key, values[key]!)
    }
  }

  public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
    lhs.values == rhs.values
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(values)
  }
}
