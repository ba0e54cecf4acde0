// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "kehoach",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Kehoach", targets: ["Kehoach"]),
        .executable(name: "kehoach", targets: ["kehoach"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // C shims: Debian's ICU renames its symbols per version (unorm2_normalize_72) through macros
        // Swift cannot import, and PCRE2 needs PCRE2_CODE_UNIT_WIDTH set before its header.
        .target(name: "CICUShim", linkerSettings: [.linkedLibrary("icuuc"), .linkedLibrary("icudata")]),
        .target(name: "CPCRE2Shim", linkerSettings: [.linkedLibrary("pcre2-8")]),
        // The decoder's n-gram search, branch-free (see its header).
        .target(name: "CNgramSearch", cSettings: [.unsafeFlags(["-O2"])]),
        .target(
            name: "Kehoach",
            dependencies: [
                "CICUShim", "CPCRE2Shim", "CNgramSearch",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .executableTarget(
            name: "kehoach",
            dependencies: ["Kehoach", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The seeded mutation fuzzer of restoration, extraction and ingest (README, NOTES: issue 13).
        .executableTarget(name: "kehoach-fuzz", dependencies: ["Kehoach"]),
        .testTarget(name: "KehoachTests", dependencies: ["Kehoach", "kehoach"]),
    ],
    swiftLanguageModes: [.v5]
)
