import Foundation
import JSONRPC

/// JSON Schema documents (draft 2020-12) that refer to each other by file name, as in `protocol/schemas/`.
struct JSONSchemaSet: Sendable {
  /// Each document by its file name, such as `envelope.json`.
  var documents: [String: JSONValue]

  init(documents: [String: JSONValue]) {
    self.documents = documents
  }

  /// Loads every `.json` file of `directory`; throws when one cannot be read or parsed.
  init(directory: String) throws {
    var documents: [String: JSONValue] = [:]
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
    for name in names {
      guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
        throw HarnessError("Could not read the schema file \(directory)/\(name)")
      }
      do {
        documents[name] = try JSONParser.parse(data)
      } catch {
        throw HarnessError("The schema file \(directory)/\(name) is not valid JSON: \(error)")
      }
    }
    self.documents = documents
  }
}

/// One way an instance fails its schema.
struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
  /// A JSON Pointer to the failing value inside the instance; empty for the instance itself.
  var instancePath: String
  var message: String

  var description: String { "\(instancePath.isEmpty ? "/" : instancePath): \(message)" }
}

/// Validates JSON values against a `JSONSchemaSet`, for the subset of JSON Schema 2020-12 that the
/// protocol schemas use.
///
/// Assertion keywords: `type`, `enum`, `const`, `properties`, `required`, `additionalProperties` (a boolean
/// or a schema), `items` (one schema for every element), `oneOf`, `anyOf`, `minimum` and `pattern`
/// (unanchored, as JSON Schema defines it). `$ref` takes `#/pointer`, `file.json` or `file.json#/pointer`,
/// resolved within the set, and applies together with the keywords beside it. `$schema`, `$id`, `$defs`,
/// `$comment`, `title`, `description`, `default` and `examples` are annotations. Any other keyword is
/// reported as a violation, so a schema never relies on a check this validator does not make.
final class JSONSchemaValidator {
  let schemas: JSONSchemaSet
  private var compiledPatterns: [String: Regex<AnyRegexOutput>] = [:]

  /// Nesting of `$ref` beyond this depth is reported as a reference cycle.
  static let maximumReferenceDepth = 64

  static let annotationKeywords: Set<String> = [
    "$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples",
  ]
  static let assertionKeywords: Set<String> = [
    "$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "items", "oneOf", "anyOf",
    "minimum", "pattern",
  ]

  init(schemas: JSONSchemaSet) {
    self.schemas = schemas
  }

  /// Validates `instance` against the schema at `reference` (`file.json` or `file.json#/pointer`); returns
  /// every violation, or an empty array when the instance is valid.
  func validate(_ instance: JSONValue, against reference: String) -> [SchemaViolation] {
    var violations: [SchemaViolation] = []
    guard let (file, schema) = resolve(reference, from: "") else {
      return [SchemaViolation(instancePath: "", message: "the schema \(reference) does not exist")]
    }
    check(instance, schema, file: file, path: "", depth: 0, into: &violations)
    return violations
  }

  // MARK: - Checking the schemas

  /// Returns the problems of the schema documents themselves, found without an instance: unsupported
  /// keywords, and `$ref`s that do not resolve. `skipping` names documents that are not schemas.
  func schemaProblems(skipping: Set<String> = []) -> [String] {
    var problems: [String] = []
    for (file, document) in schemas.documents.sorted(by: { $0.key < $1.key }) where !skipping.contains(file) {
      collectSchemaProblems(document, file: file, pointer: "", into: &problems)
    }
    return problems
  }

  private func collectSchemaProblems(_ schema: JSONValue, file: String, pointer: String, into problems: inout [String]) {
    if case .bool = schema { return }
    guard let keywords = schema.objectValue else {
      problems.append("\(file)#\(pointer) is not a schema: \(Self.preview(schema))")
      return
    }
    for (keyword, value) in keywords {
      let location = "\(pointer)/\(Self.escape(keyword))"
      switch keyword {
      case "$ref":
        if let reference = value.stringValue, resolve(reference, from: file) == nil {
          problems.append("\(file)#\(pointer): $ref \(reference) does not resolve")
        }
      case "properties", "$defs":
        for (name, member) in value.objectValue ?? [:] {
          collectSchemaProblems(member, file: file, pointer: "\(location)/\(Self.escape(name))", into: &problems)
        }
      case "items", "additionalProperties":
        collectSchemaProblems(value, file: file, pointer: location, into: &problems)
      case "oneOf", "anyOf":
        for (index, alternative) in (value.arrayValue ?? []).enumerated() {
          collectSchemaProblems(alternative, file: file, pointer: "\(location)/\(index)", into: &problems)
        }
      default:
        if !Self.annotationKeywords.contains(keyword) && !Self.assertionKeywords.contains(keyword) {
          problems.append("\(file)#\(pointer) uses the unsupported keyword \(keyword)")
        }
      }
    }
  }

  // MARK: - References

  /// Finds the schema that `reference` names, relative to the document `file`; returns its document's name
  /// and the schema, or `nil` when either does not exist.
  func resolve(_ reference: String, from file: String) -> (file: String, schema: JSONValue)? {
    let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
    let target = parts[0].isEmpty ? file : String(parts[0])
    guard let document = schemas.documents[target] else { return nil }
    let pointer = parts.count > 1 ? String(parts[1]) : ""
    guard let schema = Self.value(at: pointer, in: document) else { return nil }
    return (target, schema)
  }

  /// Follows a JSON Pointer (RFC 6901) such as `/$defs/uuid` into `document`.
  static func value(at pointer: String, in document: JSONValue) -> JSONValue? {
    guard !pointer.isEmpty else { return document }
    guard pointer.hasPrefix("/") else { return nil }
    var current = document
    for token in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
      let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
      switch current {
      case .object(let object):
        guard let next = object[key] else { return nil }
        current = next
      case .array(let array):
        guard let index = Int(key), array.indices.contains(index) else { return nil }
        current = array[index]
      default:
        return nil
      }
    }
    return current
  }

  // MARK: - Checking

  private func check(
    _ instance: JSONValue, _ schema: JSONValue, file: String, path: String, depth: Int,
    into violations: inout [SchemaViolation]
  ) {
    switch schema {
    case .bool(true):
      return
    case .bool(false):
      violations.append(SchemaViolation(instancePath: path, message: "no value is allowed here"))
      return
    case .object:
      break
    default:
      violations.append(SchemaViolation(instancePath: path, message: "the schema in \(file) is not an object or a boolean"))
      return
    }
    guard let keywords = schema.objectValue else { return }

    for (keyword, _) in keywords
    where !Self.annotationKeywords.contains(keyword) && !Self.assertionKeywords.contains(keyword) {
      violations.append(
        SchemaViolation(instancePath: path, message: "the schema in \(file) uses the unsupported keyword \(keyword)"))
    }

    if let reference = keywords["$ref"]?.stringValue {
      checkReference(instance, reference, file: file, path: path, depth: depth, into: &violations)
    }
    if let type = keywords["type"] {
      checkType(instance, type, path: path, into: &violations)
    }
    if let allowed = keywords["enum"]?.arrayValue, !allowed.contains(where: { Self.isEqual($0, instance) }) {
      violations.append(
        SchemaViolation(
          instancePath: path,
          message: "\(Self.preview(instance)) is not one of \(JSONValue.array(allowed).serializedString())"))
    }
    if let constant = keywords["const"], !Self.isEqual(constant, instance) {
      violations.append(
        SchemaViolation(
          instancePath: path, message: "\(Self.preview(instance)) is not the constant \(constant.serializedString())"))
    }
    if let minimum = keywords["minimum"], let bound = minimum.doubleValue, let number = instance.doubleValue,
      number < bound
    {
      violations.append(
        SchemaViolation(
          instancePath: path, message: "\(Self.preview(instance)) is less than the minimum \(minimum.serializedString())"))
    }
    if let pattern = keywords["pattern"]?.stringValue, let text = instance.stringValue {
      checkPattern(text, pattern, path: path, into: &violations)
    }
    if let object = instance.objectValue {
      checkObject(object, keywords, file: file, path: path, depth: depth, into: &violations)
    }
    if let items = keywords["items"], let elements = instance.arrayValue {
      for (index, element) in elements.enumerated() {
        check(element, items, file: file, path: "\(path)/\(index)", depth: depth, into: &violations)
      }
    }
    if let alternatives = keywords["anyOf"]?.arrayValue {
      checkAlternatives(instance, alternatives, exactlyOne: false, file: file, path: path, depth: depth, into: &violations)
    }
    if let alternatives = keywords["oneOf"]?.arrayValue {
      checkAlternatives(instance, alternatives, exactlyOne: true, file: file, path: path, depth: depth, into: &violations)
    }
  }

  private func checkReference(
    _ instance: JSONValue, _ reference: String, file: String, path: String, depth: Int,
    into violations: inout [SchemaViolation]
  ) {
    guard depth < Self.maximumReferenceDepth else {
      violations.append(
        SchemaViolation(instancePath: path, message: "$ref \(reference) in \(file) nests too deep; is there a cycle?"))
      return
    }
    guard let (target, schema) = resolve(reference, from: file) else {
      violations.append(SchemaViolation(instancePath: path, message: "$ref \(reference) in \(file) does not resolve"))
      return
    }
    check(instance, schema, file: target, path: path, depth: depth + 1, into: &violations)
  }

  private func checkType(_ instance: JSONValue, _ type: JSONValue, path: String, into violations: inout [SchemaViolation]) {
    let names = type.arrayValue?.compactMap(\.stringValue) ?? type.stringValue.map { [$0] } ?? []
    guard !names.contains(where: { Self.hasType(instance, $0) }) else { return }
    violations.append(
      SchemaViolation(
        instancePath: path,
        message: "expected \(names.joined(separator: " or ")), found \(instance.typeName) \(Self.preview(instance))"))
  }

  private func checkPattern(_ text: String, _ pattern: String, path: String, into violations: inout [SchemaViolation]) {
    let regex: Regex<AnyRegexOutput>
    if let compiled = compiledPatterns[pattern] {
      regex = compiled
    } else {
      do {
        regex = try Regex(pattern)
      } catch {
        violations.append(
          SchemaViolation(instancePath: path, message: "the pattern \(pattern) is not a valid regular expression"))
        return
      }
      compiledPatterns[pattern] = regex
    }
    if text.firstMatch(of: regex) == nil {
      violations.append(
        SchemaViolation(instancePath: path, message: "\(Self.preview(.string(text))) does not match the pattern \(pattern)"))
    }
  }

  private func checkObject(
    _ object: JSONObject, _ keywords: JSONObject, file: String, path: String, depth: Int,
    into violations: inout [SchemaViolation]
  ) {
    for name in keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
      violations.append(SchemaViolation(instancePath: path, message: "the required member \(name) is missing"))
    }
    let properties = keywords["properties"]?.objectValue ?? JSONObject()
    let additional = keywords["additionalProperties"]
    for (key, value) in object {
      let memberPath = "\(path)/\(Self.escape(key))"
      if let property = properties[key] {
        check(value, property, file: file, path: memberPath, depth: depth, into: &violations)
      } else if additional == .bool(false) {
        violations.append(SchemaViolation(instancePath: memberPath, message: "the member \(key) is not allowed"))
      } else if let additional {
        check(value, additional, file: file, path: memberPath, depth: depth, into: &violations)
      }
    }
  }

  /// Checks `anyOf` (at least one alternative) or `oneOf` (exactly one). When none matches, the violations
  /// of the closest alternative are reported: among the alternatives whose `const` members match the
  /// instance (the tag of a tagged union), or among all when none does, the one with the fewest violations.
  private func checkAlternatives(
    _ instance: JSONValue, _ alternatives: [JSONValue], exactlyOne: Bool, file: String, path: String, depth: Int,
    into violations: inout [SchemaViolation]
  ) {
    let keyword = exactlyOne ? "oneOf" : "anyOf"
    var results: [[SchemaViolation]] = []
    for alternative in alternatives {
      var found: [SchemaViolation] = []
      check(instance, alternative, file: file, path: path, depth: depth, into: &found)
      results.append(found)
    }
    let matching = results.indices.filter { results[$0].isEmpty }
    if matching.isEmpty {
      let tagged = results.indices.filter { Self.constantMembersMatch(alternatives[$0], instance) }
      let candidates = tagged.isEmpty ? Array(results.indices) : tagged
      guard let closest = candidates.min(by: { results[$0].count < results[$1].count }) else {
        violations.append(SchemaViolation(instancePath: path, message: "\(keyword) in \(file) has no alternatives"))
        return
      }
      violations.append(
        SchemaViolation(
          instancePath: path,
          message: "matches none of the \(alternatives.count) alternatives of \(keyword); "
            + "the violations of the closest, number \(closest + 1), follow"))
      violations.append(contentsOf: results[closest])
    } else if exactlyOne && matching.count > 1 {
      let numbers = matching.map { String($0 + 1) }.joined(separator: ", ")
      violations.append(
        SchemaViolation(instancePath: path, message: "matches alternatives \(numbers) of oneOf, but must match exactly one"))
    }
  }

  /// Returns whether `schema` gives some member a `const`, and every such member of `instance` has that value.
  private static func constantMembersMatch(_ schema: JSONValue, _ instance: JSONValue) -> Bool {
    guard let properties = schema["properties"]?.objectValue, let object = instance.objectValue else { return false }
    var hasConstant = false
    for (name, property) in properties {
      guard let constant = property["const"] else { continue }
      hasConstant = true
      guard let value = object[name], isEqual(constant, value) else { return false }
    }
    return hasConstant
  }

  // MARK: - Values

  static func hasType(_ value: JSONValue, _ type: String) -> Bool {
    switch (type, value) {
    case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object):
      return true
    case ("number", .int), ("number", .double), ("integer", .int):
      return true
    case ("integer", .double(let number)):
      return number.rounded() == number && number.isFinite
    default:
      return false
    }
  }

  /// JSON equality, under which `1` and `1.0` are the same number.
  static func isEqual(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.int, .double), (.double, .int):
      return lhs.doubleValue == rhs.doubleValue
    case (.array(let left), .array(let right)):
      return left.count == right.count && zip(left, right).allSatisfy { isEqual($0, $1) }
    case (.object(let left), .object(let right)):
      return left.count == right.count
        && left.allSatisfy { key, value in right[key].map { isEqual(value, $0) } ?? false }
    default:
      return lhs == rhs
    }
  }

  /// Escapes a member name for a JSON Pointer.
  static func escape(_ key: String) -> String {
    key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
  }

  /// Returns the value's JSON text, cut to 80 characters, for messages.
  static func preview(_ value: JSONValue) -> String {
    let text = value.serializedString()
    return text.count > 80 ? text.prefix(80) + "…" : text
  }
}
