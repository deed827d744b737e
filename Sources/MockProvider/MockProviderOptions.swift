import BYOKLogging

/// The parsed arguments of `byok-host mock-provider`.
struct MockProviderOptions: Equatable {
  var scriptPath: String?
  var port = 0
  var host = "127.0.0.1"
  var recordPath: String?
  /// The log level to set. `nil` keeps the process's setting and `.some(nil)` turns logging off.
  var logLevel: LogLevel??
  var showsHelp = false

  /// A command line that cannot be run as written.
  struct UsageError: Error, Equatable {
    var message: String
  }

  private static let valueOptions = ["--script", "--port", "--host", "--record", "--log-level"]
  private static let flagOptions = ["--help", "-h"]

  /// Parses the words after `mock-provider`, accepting both `--option value` and `--option=value`.
  static func parse(_ arguments: [String]) throws(UsageError) -> MockProviderOptions {
    var options = MockProviderOptions()
    var remaining = arguments[...]
    while let argument = remaining.popFirst() {
      if flagOptions.contains(argument) {
        options.showsHelp = true
        continue
      }
      let (name, inlineValue) = split(argument)
      guard valueOptions.contains(name) else {
        guard name.hasPrefix("-") else { throw UsageError(message: "unexpected argument '\(argument)'") }
        throw UsageError(message: "unknown option '\(name)'" + suggestion(for: name))
      }
      guard let value = inlineValue ?? remaining.popFirst() else {
        throw UsageError(message: "missing value for '\(name)'")
      }
      try options.apply(name, value: value)
    }
    return options
  }

  private mutating func apply(_ name: String, value: String) throws(UsageError) {
    switch name {
    case "--script":
      scriptPath = value
    case "--port":
      guard let number = Int(value), (0...65535).contains(number) else {
        throw UsageError(message: "invalid --port value '\(value)'; expected a number from 0 to 65535")
      }
      port = number
    case "--host":
      guard !value.isEmpty else { throw UsageError(message: "--host must not be empty") }
      host = value
    case "--record":
      recordPath = value
    default:
      guard let level = LogLevel.parse(value) else {
        throw UsageError(
          message: "invalid --log-level value '\(value)'; expected none, error, warning, info or debug")
      }
      logLevel = .some(level)
    }
  }

  private static func split(_ argument: String) -> (name: String, value: String?) {
    guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
    return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
  }

  /// " Did you mean '--x'?" for the closest known option within two edits, else "".
  private static func suggestion(for name: String) -> String {
    let candidates = (valueOptions + ["--help"]).map { ($0, editDistance(name, $0)) }
    guard let best = candidates.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return "" }
    return ". Did you mean '\(best.0)'?"
  }

  /// Computes the Levenshtein distance between two strings, counted in characters.
  private static func editDistance(_ first: String, _ second: String) -> Int {
    let target = Array(second)
    var previous = Array(0...target.count)
    for (row, character) in first.enumerated() {
      var current = [row + 1]
      for (column, other) in target.enumerated() {
        let substitution = previous[column] + (character == other ? 0 : 1)
        current.append(min(previous[column + 1] + 1, current[column] + 1, substitution))
      }
      previous = current
    }
    return previous[target.count]
  }

}
