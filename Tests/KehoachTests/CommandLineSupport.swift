import Foundation
import XCTest

/// Runs the built `kehoach` binary as a user would: arguments, standard input, exit status and
/// both output streams. Every command-line test goes through here.
enum KehoachBinary {
    /// Beside the test executable (SwiftPM builds both into the same products folder), else the
    /// package's debug build.
    static func url() throws -> URL {
        let besideTests = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("kehoach")
        let candidates = [besideTests, Fixtures.repo.appendingPathComponent(".build/debug/kehoach")]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("kehoach binary not built")
        }
        return found
    }

    struct Result {
        let status: Int32
        let out: String
        let err: String
    }

    /// `kehoach ARGS…` in `directory`, with $KEHOACH_RULES set to the package's rules unless given.
    @discardableResult
    static func run(_ args: [String], in directory: URL? = nil, stdin: Data? = nil,
                    environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = try url()
        p.arguments = args
        if let directory { p.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        env["KEHOACH_RULES"] = Fixtures.repo.appendingPathComponent("rules").path
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Read both pipes before waiting, or a chatty child blocks on a full pipe.
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self))
    }
}
