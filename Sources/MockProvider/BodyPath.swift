import JSONRPC

/// A path to a field of a JSON body: member names joined by `.`, each optionally followed by array indexes in
/// brackets, such as `messages[-1].content[0].type`. A negative index counts from the end.
struct BodyPath: Sendable, Equatable {
  enum Component: Sendable, Equatable {
    case member(String)
    case index(Int)
  }

  let components: [Component]

  /// Parses `text`, or returns `nil` when it is not a path: an empty member name, a stray or unclosed bracket,
  /// or an index that is not an integer.
  init?(_ text: String) {
    var components: [Component] = []
    for segment in text.split(separator: ".", omittingEmptySubsequences: false) {
      var rest = Substring(segment)
      let name = rest.prefix { $0 != "[" }
      guard !name.isEmpty, !name.contains("]") else { return nil }
      components.append(.member(String(name)))
      rest = rest.dropFirst(name.count)
      while !rest.isEmpty {
        guard rest.first == "[", let close = rest.firstIndex(of: "]"),
          let index = Int(rest[rest.index(after: rest.startIndex)..<close])
        else { return nil }
        components.append(.index(index))
        rest = rest[rest.index(after: close)...]
      }
    }
    self.components = components
  }

  /// Returns the value at this path in `root`, or `nil` when a member or an element is missing. A member whose
  /// value is JSON `null` is present, and its value is `.null`.
  func value(in root: JSONValue) -> JSONValue? {
    var current = root
    for component in components {
      switch component {
      case .member(let name):
        guard let next = current.objectValue?[name] else { return nil }
        current = next
      case .index(let index):
        guard let elements = current.arrayValue else { return nil }
        let position = index < 0 ? elements.count + index : index
        guard elements.indices.contains(position) else { return nil }
        current = elements[position]
      }
    }
    return current
  }
}
