// swift-tools-version: 6.0

import PackageDescription

// Start-up baselines for bench/run.sh: programs that only load a library and exit.
// bare-networking loads FoundationNetworking (libcurl and its TLS stack); bare-foundation loads Foundation,
// which is what byok-host itself imports, since it drives libcurl directly.
let package = Package(
  name: "baseline",
  targets: [
    .executableTarget(name: "bare-networking"),
    .executableTarget(name: "bare-foundation"),
  ],
  swiftLanguageModes: [.v6]
)
