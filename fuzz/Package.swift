// swift-tools-version: 6.0

import PackageDescription

// libFuzzer targets for byok-host's parsers. Build and run them with run.sh. A plain `swift build` fails to
// link them because they have no `main`, which libFuzzer supplies.

// Each fuzzer defines `LLVMFuzzerTestOneInput` and no top-level code, so it is compiled as a library.
let fuzzerSettings: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
  name: "byok-host-fuzz",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "byok-host", path: "..")
  ],
  targets: [
    .target(name: "FuzzSupport"),
    .executableTarget(
      name: "FrameReaderFuzzer",
      dependencies: [
        "FuzzSupport",
        .product(name: "JSONRPC", package: "byok-host"),
      ],
      swiftSettings: fuzzerSettings
    ),
    .executableTarget(
      name: "MessageFuzzer",
      dependencies: [
        "FuzzSupport",
        .product(name: "JSONRPC", package: "byok-host"),
      ],
      swiftSettings: fuzzerSettings
    ),
    .executableTarget(
      name: "ServerSentEventFuzzer",
      dependencies: [
        "FuzzSupport",
        .product(name: "HTTPStreaming", package: "byok-host"),
      ],
      swiftSettings: fuzzerSettings
    ),
  ],
  swiftLanguageModes: [.v6]
)
