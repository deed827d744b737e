import JSONRPC
import Testing

/// The JSON Schema validator that checks protocol messages, on small schemas with passing and failing
/// documents.
struct JSONSchemaValidatorTests {
  /// A schema set of two files: `person.json` refers to `common.json` and to its own `$defs`.
  static let schemas = JSONSchemaSet(documents: [
    "common.json": [
      "$defs": [
        "uuid": ["type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"],
        "count": ["type": "integer", "minimum": 1],
      ]
    ],
    "person.json": [
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "type": "object",
      "properties": [
        "id": ["$ref": "common.json#/$defs/uuid"],
        "name": ["type": "string"],
        "age": ["$ref": "common.json#/$defs/count"],
        "role": ["enum": ["admin", "user"]],
        "version": ["const": 3],
        "tags": ["type": "array", "items": ["type": "string"]],
        "pet": ["$ref": "#/$defs/pet"],
        "nickname": ["type": ["string", "null"]],
        "labels": ["type": "object", "additionalProperties": ["type": "string"]],
      ],
      "required": ["id", "name"],
      "additionalProperties": false,
      "$defs": [
        "pet": [
          "oneOf": [
            ["type": "object", "properties": ["kind": ["const": "cat"], "lives": ["type": "integer"]], "required": ["kind"]],
            [
              "type": "object", "properties": ["kind": ["const": "dog"], "breed": ["type": "string"]],
              "required": ["kind", "breed"],
            ],
          ]
        ]
      ],
    ],
    "either.json": ["anyOf": [["type": "string"], ["type": "integer", "minimum": 0]]],
    "overlap.json": ["oneOf": [["type": "number"], ["type": "integer"]]],
    "unsupported.json": ["type": "string", "minLength": 2],
    "dangling.json": ["$ref": "missing.json#/$defs/nothing"],
    "cycle.json": ["$ref": "#"],
  ])

  static let validPerson: JSONValue = [
    "id": "0b9f3c0e-5d0b-4c5e-9a52-1d2f0f7f3a11", "name": "Ada", "age": 36, "role": "admin", "version": 3,
    "tags": ["math"], "pet": ["kind": "dog", "breed": "collie"], "nickname": nil, "labels": ["team": "engines"],
  ]

  private func violations(_ instance: JSONValue, _ schema: String = "person.json") -> [SchemaViolation] {
    JSONSchemaValidator(schemas: Self.schemas).validate(instance, against: schema)
  }

  /// Returns `validPerson` with `key` set to `value`, or removed when `value` is `nil`.
  private func person(_ key: String, _ value: JSONValue?) -> JSONValue {
    var object = Self.validPerson.objectValue!
    object[key] = value
    return .object(object)
  }

  @Test func validDocumentPasses() {
    #expect(violations(Self.validPerson) == [])
  }

  @Test func missingRequiredMember() {
    let found = violations(person("name", nil))
    #expect(found == [SchemaViolation(instancePath: "", message: "the required member name is missing")])
  }

  @Test func wrongTypes() {
    #expect(violations(person("name", 7)).map(\.instancePath) == ["/name"])
    #expect(violations(person("age", 1.5)).map(\.instancePath) == ["/age"])
    #expect(violations(person("age", 2.0)) == [], "2.0 is an integer in JSON Schema")
    #expect(violations(person("nickname", false)).map(\.instancePath) == ["/nickname"])
    #expect(violations(person("tags", ["a", 2])).map(\.instancePath) == ["/tags/1"])
    #expect(violations(.array([])).first?.message.contains("expected object") == true)
  }

  @Test func enumConstAndMinimum() {
    #expect(violations(person("role", "guest")).first?.message == #""guest" is not one of ["admin","user"]"#)
    #expect(violations(person("version", 2)).map(\.instancePath) == ["/version"])
    #expect(violations(person("version", 3.0)) == [], "3.0 equals the constant 3")
    #expect(violations(person("age", 0)).first?.message == "0 is less than the minimum 1")
  }

  @Test func patternIsChecked() {
    #expect(violations(person("id", "evt-1")).first?.message.contains("does not match the pattern") == true)
    #expect(violations(person("id", "0B9F3C0E-5D0B-4C5E-9A52-1D2F0F7F3A11")).map(\.instancePath) == ["/id"])
  }

  @Test func additionalProperties() {
    let extra = violations(person("extra", 1))
    #expect(extra == [SchemaViolation(instancePath: "/extra", message: "the member extra is not allowed")])
    #expect(violations(person("labels", ["team": 5])).map(\.instancePath) == ["/labels/team"])
  }

  @Test func oneOfPicksClosestAlternative() {
    #expect(violations(person("pet", ["kind": "cat", "lives": 9])) == [])
    let found = violations(person("pet", ["kind": "dog"]))
    #expect(found.first?.message.contains("matches none of the 2 alternatives") == true, "\(found)")
    #expect(found.dropFirst().map(\.message) == ["the required member breed is missing"])
    #expect(violations(3, "overlap.json").first?.message == "matches alternatives 1, 2 of oneOf, but must match exactly one")
    #expect(violations(3.5, "overlap.json") == [])
  }

  @Test func anyOfNeedsOneMatch() {
    #expect(violations("text", "either.json") == [])
    #expect(violations(4, "either.json") == [])
    #expect(violations(-4, "either.json").first?.message.contains("matches none of the 2 alternatives of anyOf") == true)
    #expect(violations(true, "either.json").count == 2)
  }

  @Test func schemaErrorsAreViolations() {
    let unsupported = violations("ab", "unsupported.json").map(\.message)
    #expect(unsupported == ["the schema in unsupported.json uses the unsupported keyword minLength"])
    #expect(violations("ab", "dangling.json").first?.message.contains("does not resolve") == true)
    #expect(violations("ab", "cycle.json").first?.message.contains("nests too deep") == true)
    #expect(violations("ab", "absent.json").map(\.message) == ["the schema absent.json does not exist"])
  }

  @Test func schemaProblemsFoundWithoutInstance() {
    let problems = JSONSchemaValidator(schemas: Self.schemas).schemaProblems()
    #expect(problems == [
      "dangling.json#: $ref missing.json#/$defs/nothing does not resolve",
      "unsupported.json# uses the unsupported keyword minLength",
    ])
  }

  @Test func pointerEscapes() {
    let document: JSONValue = ["a/b": ["~c": [10, 20]]]
    #expect(JSONSchemaValidator.value(at: "/a~1b/~0c/1", in: document) == 20)
    #expect(JSONSchemaValidator.value(at: "/a~1b/missing", in: document) == nil)
    #expect(JSONSchemaValidator.escape("x/y~z") == "x~1y~0z")
  }
}
