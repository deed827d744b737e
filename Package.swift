// swift-tools-version: 6.0

import PackageDescription

// Targets are layers, listed from the bottom up; a target only depends on the ones above it in this
// list. Each target has a `// MARK:` section shared with its test target, one dependency per line.

let package = Package(
  name: "byok-host",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "byok-host", targets: ["byok-host"]),
    // The fuzzing package in fuzz/ links these two.
    .library(name: "HTTPStreaming", targets: ["HTTPStreaming"]),
    .library(name: "JSONRPC", targets: ["JSONRPC"]),
  ],
  targets: [
    // MARK: BYOKLogging

    .target(name: "BYOKLogging"),
    .testTarget(
      name: "BYOKLoggingTests",
      dependencies: ["BYOKLogging"]
    ),

    // MARK: JSONRPC

    .target(
      name: "JSONRPC",
      dependencies: ["BYOKLogging"]
    ),
    .testTarget(
      name: "JSONRPCTests",
      dependencies: ["JSONRPC"]
    ),

    // MARK: CCurl

    .systemLibrary(
      name: "CCurl",
      providers: [.apt(["libcurl4-openssl-dev"])]
    ),

    // MARK: HTTPStreaming

    .target(
      name: "HTTPStreaming",
      dependencies: [
        "BYOKLogging",
        "CCurl",
      ]
    ),
    .testTarget(
      name: "HTTPStreamingTests",
      dependencies: [
        "HTTPStreaming",
        "MockProvider",
      ]
    ),

    // MARK: AgentCore

    .target(
      name: "AgentCore",
      dependencies: [
        "BYOKLogging",
        "JSONRPC",
      ]
    ),
    .testTarget(
      name: "AgentCoreTests",
      dependencies: ["AgentCore"]
    ),

    // MARK: Providers

    .target(
      name: "Providers",
      dependencies: [
        "AgentCore",
        "BYOKLogging",
        "HTTPStreaming",
        "JSONRPC",
      ]
    ),
    .testTarget(
      name: "ProvidersTests",
      dependencies: [
        "AgentCore",
        "HTTPStreaming",
        "MockProvider",
        "Providers",
      ]
    ),

    // MARK: MockProvider

    .target(
      name: "MockProvider",
      dependencies: [
        "BYOKLogging",
        "JSONRPC",
      ]
    ),
    .testTarget(
      name: "MockProviderTests",
      dependencies: ["MockProvider"]
    ),

    // MARK: HostServer

    .target(
      name: "HostServer",
      dependencies: [
        "AgentCore",
        "BYOKLogging",
        "JSONRPC",
        "Providers",
      ]
    ),

    // MARK: byok-host

    .executableTarget(
      name: "byok-host",
      dependencies: [
        "BYOKLogging",
        "HostServer",
        "JSONRPC",
        "MockProvider",
      ]
    ),
    .testTarget(
      name: "EndToEndTests",
      dependencies: ["JSONRPC"]
    ),
  ],
  swiftLanguageModes: [.v6]
)
