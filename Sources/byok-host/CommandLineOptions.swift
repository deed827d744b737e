import BYOKLogging

/// The action the command line selects.
enum Command {
  case serve(ServeOptions)
  case chat(ChatOptions, ServeOptions)
  case mockProvider([String])
  case help(String)
  case version
}

/// Settings of the JSON-RPC host shared by `serve` and `chat`.
struct ServeOptions {
  /// True when `--stdio` was given; then stdin and stdout carry the protocol whatever stdin is.
  var stdio = false
  /// The TCP port from `--port`; 0 picks a free one.
  var port: Int?
  var host = "127.0.0.1"
  var home: String?
  var logLevel: LogLevel? = .warning
  var logFile: String?
  var connectionToken: String?
  /// Seconds a provider stream may send nothing before the model call fails.
  var streamIdleTimeout = 120
  /// The maximum number of model calls one send may make.
  var maxModelCalls = 50
  /// Seconds a client tool or permission request may stay unanswered.
  var toolTimeout = 600
  /// Retries of a provider request that failed before streaming began.
  var maxRetries = 3
  /// The maximum wait before a retry, in seconds.
  var maxRetryDelay = 60
  /// The default provider's type, base URL and the environment variable holding its key.
  var providerType: String?
  var providerBaseURL: String?
  var providerAPIKeyEnvironmentVariable: String?
}

/// Settings of the one-shot `chat` command.
struct ChatOptions {
  var prompt: String
  var useMock = false
  var baseURL: String?
  var model: String?
  var providerType = "openai"
  /// The environment variable holding the key; `nil` picks the provider type's usual name.
  var apiKeyEnvironmentVariable: String?
  var azureAPIVersion: String?
  var systemMessage: String?
}

/// A command-line mistake: the message names the bad argument.
struct UsageError: Error {
  var message: String
  var usage: String
}

enum CommandLineParser {
  static let serveUsage =
    "Usage: byok-host [--stdio | --port N [--host ADDRESS]] [--home DIR] [--log-level LEVEL] [--log-file PATH]"
  static let chatUsage =
    "Usage: byok-host chat (--mock | --base-url URL --model MODEL) [--provider-type TYPE] [--api-key-env NAME] PROMPT"

  /// Options the host accepts; the ones after the first group are passed by the Copilot SDKs and accepted
  /// for compatibility.
  static let serveFlags: [String: Bool] = [
    // name: takes a value
    "--stdio": false, "--port": true, "--host": true, "--home": true, "--log-level": true, "--log-file": true,
    "--connection-token": true, "--stream-idle-timeout": true, "--max-model-calls": true, "--tool-timeout": true,
    "--max-retries": true, "--max-retry-delay": true, "--help": false,
    "--provider-type": true, "--provider-base-url": true, "--provider-api-key-env": true, "--version": false,
    "--headless": false, "--no-auto-update": false, "--no-auto-login": false, "--auth-token-env": true,
    "--session-idle-timeout": true, "--remote": false,
  ]

  static let chatFlags: [String: Bool] = [
    "--mock": false, "--base-url": true, "--model": true, "--provider-type": true, "--api-key-env": true,
    "--azure-api-version": true,
    "--system": true, "--home": true, "--log-level": true, "--log-file": true, "--stream-idle-timeout": true,
    "--max-retries": true, "--max-retry-delay": true,
    "--help": false,
  ]

  static func parse(_ arguments: [String]) throws(UsageError) -> Command {
    if arguments.first == "mock-provider" {
      return .mockProvider(Array(arguments.dropFirst()))
    }
    if arguments.first == "chat" {
      return try parseChat(Array(arguments.dropFirst()))
    }
    if arguments.first == "serve" {
      return try parseServe(Array(arguments.dropFirst()))
    }
    return try parseServe(arguments)
  }

  private static func parseServe(_ arguments: [String]) throws(UsageError) -> Command {
    var options = ServeOptions()
    var iterator = ArgumentIterator(arguments: arguments, flags: serveFlags, usage: serveUsage)
    while let (flag, value) = try iterator.next() {
      switch flag {
      case "--help": return .help(HelpText.serve)
      case "--version": return .version
      case "--stdio": options.stdio = true
      case "--port":
        guard let port = Int(value!), (0...65535).contains(port) else {
          throw UsageError(
            message: "invalid value '\(value!)' for --port; use a port number from 0 to 65535 (0 picks a free one)",
            usage: serveUsage)
        }
        options.port = port
      case "--host": options.host = value!
      case "--connection-token": options.connectionToken = value!
      case "--provider-type":
        guard ["openai", "azure", "anthropic"].contains(value!) else {
          throw UsageError(
            message: "invalid value '\(value!)' for --provider-type; use openai, azure or anthropic", usage: serveUsage)
        }
        options.providerType = value!
      case "--provider-base-url": options.providerBaseURL = value!
      case "--provider-api-key-env": options.providerAPIKeyEnvironmentVariable = value!
      default:
        try applyShared(flag, value, to: &options, usage: serveUsage)
      }
    }
    if options.stdio && options.port != nil {
      throw UsageError(message: "--stdio and --port cannot be used together; pick one transport", usage: serveUsage)
    }
    if let positional = iterator.positional.first {
      throw UsageError(
        message: "unexpected argument '\(positional)'; did you mean 'byok-host chat \(positional)'?", usage: serveUsage)
    }
    return .serve(options)
  }

  private static func parseChat(_ arguments: [String]) throws(UsageError) -> Command {
    var serve = ServeOptions()
    var chat = ChatOptions(prompt: "")
    var iterator = ArgumentIterator(arguments: arguments, flags: chatFlags, usage: chatUsage)
    while let (flag, value) = try iterator.next() {
      switch flag {
      case "--help": return .help(HelpText.chat)
      case "--mock": chat.useMock = true
      case "--base-url": chat.baseURL = value!
      case "--model": chat.model = value!
      case "--provider-type":
        guard ["openai", "azure", "anthropic"].contains(value!) else {
          throw UsageError(
            message: "invalid value '\(value!)' for --provider-type; use openai, azure or anthropic", usage: chatUsage)
        }
        chat.providerType = value!
      case "--azure-api-version": chat.azureAPIVersion = value!
      case "--api-key-env": chat.apiKeyEnvironmentVariable = value!
      case "--system": chat.systemMessage = value!
      default:
        try applyShared(flag, value, to: &serve, usage: chatUsage)
      }
    }
    guard !iterator.positional.isEmpty else {
      throw UsageError(message: "missing the prompt to send", usage: chatUsage)
    }
    chat.prompt = iterator.positional.joined(separator: " ")
    if !chat.useMock {
      guard chat.baseURL != nil else {
        throw UsageError(message: "missing --base-url (or pass --mock to use the built-in mock provider)", usage: chatUsage)
      }
      guard chat.model != nil else {
        throw UsageError(message: "missing --model", usage: chatUsage)
      }
    }
    return .chat(chat, serve)
  }

  private static func applyShared(_ flag: String, _ value: String?, to options: inout ServeOptions, usage: String)
    throws(UsageError)
  {
    switch flag {
    case "--home": options.home = value!
    case "--log-file": options.logFile = value!
    case "--log-level":
      guard let level = LogLevel.parse(value!) else {
        throw UsageError(
          message: "invalid value '\(value!)' for --log-level; use none, error, warning, info, debug or all",
          usage: usage)
      }
      options.logLevel = level
    case "--stream-idle-timeout":
      options.streamIdleTimeout = try wholeNumber(value!, for: flag, minimum: 1, unit: "whole seconds", usage: usage)
    case "--max-model-calls":
      options.maxModelCalls = try wholeNumber(value!, for: flag, minimum: 1, unit: "a whole number", usage: usage)
    case "--tool-timeout":
      options.toolTimeout = try wholeNumber(value!, for: flag, minimum: 1, unit: "whole seconds", usage: usage)
    case "--max-retries":
      options.maxRetries = try wholeNumber(value!, for: flag, minimum: 0, unit: "a whole number", usage: usage)
    case "--max-retry-delay":
      options.maxRetryDelay = try wholeNumber(value!, for: flag, minimum: 0, unit: "whole seconds", usage: usage)
    default:
      // Accepted for the Copilot SDKs: --stdio, --headless, --no-auto-update, --no-auto-login,
      // --auth-token-env (a GitHub token, unused with BYOK), --session-idle-timeout and --remote.
      break
    }
  }
}

extension CommandLineParser {
  /// Parses a flag's whole-number value, rejecting values below `minimum` with a message naming the flag.
  static func wholeNumber(_ value: String, for flag: String, minimum: Int, unit: String, usage: String)
    throws(UsageError) -> Int
  {
    guard let number = Int(value), number >= minimum else {
      throw UsageError(message: "invalid value '\(value)' for \(flag); use \(unit) ≥ \(minimum)", usage: usage)
    }
    return number
  }
}

/// Walks the arguments, splitting `--flag=value`, and rejects unknown flags with a suggestion.
struct ArgumentIterator {
  let arguments: [String]
  let flags: [String: Bool]
  let usage: String
  var index = 0
  var positional: [String] = []

  init(arguments: [String], flags: [String: Bool], usage: String) {
    self.arguments = arguments
    self.flags = flags
    self.usage = usage
  }

  mutating func next() throws(UsageError) -> (String, String?)? {
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if argument == "--" {
        positional.append(contentsOf: arguments[index...])
        index = arguments.count
        return nil
      }
      guard argument.hasPrefix("-"), argument != "-" else {
        positional.append(argument)
        continue
      }
      var name = argument
      var inlineValue: String?
      if let equals = argument.firstIndex(of: "=") {
        name = String(argument[..<equals])
        inlineValue = String(argument[argument.index(after: equals)...])
      }
      if name == "-h" { name = "--help" }
      guard let takesValue = flags[name] else {
        var message = "unknown option '\(name)'"
        if let suggestion = Suggestion.closest(to: name, in: Array(flags.keys)) {
          message += "; did you mean '\(suggestion)'?"
        }
        throw UsageError(message: message, usage: usage)
      }
      guard takesValue else {
        if inlineValue != nil {
          throw UsageError(message: "option '\(name)' takes no value", usage: usage)
        }
        return (name, nil)
      }
      if let inlineValue { return (name, inlineValue) }
      guard index < arguments.count else {
        throw UsageError(message: "missing value for '\(name)'", usage: usage)
      }
      index += 1
      return (name, arguments[index - 1])
    }
    return nil
  }
}

/// Finds the known option closest to a mistyped one, by edit distance.
enum Suggestion {
  static func closest(to input: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, distance(input, $0)) }.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
    guard let best = scored.first, best.1 <= max(2, input.count / 3) else { return nil }
    return best.0
  }

  static func distance(_ lhs: String, _ rhs: String) -> Int {
    let a = Array(lhs)
    let b = Array(rhs)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in 1...max(b.count, 1) where !b.isEmpty {
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
  }
}
