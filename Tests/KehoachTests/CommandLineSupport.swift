import Foundation
import XCTest
@testable import Kehoach

/// Runs the built `kehoach` binary as a user would: arguments, standard input, exit status and
/// both output streams. Every command-line test goes through here.
enum KehoachBinary {
    /// Beside the test executable (SwiftPM builds both into the same products folder), else the
    /// package's debug build.
    /// $KEHOACH_TEST_BINARY first: the same tests run against another build (an older one, to
    /// see a new test fail before its change).
    static func url() throws -> URL {
        if let other = ProcessInfo.processInfo.environment["KEHOACH_TEST_BINARY"] { return URL(fileURLWithPath: other) }
        let besideTests = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("kehoach")
        let candidates = [besideTests, Fixtures.repo.appendingPathComponent(".build/debug/kehoach")]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("kehoach binary not built")
        }
        return found
    }

    /// A tiny but real restoration model, so that `batch` runs its real pipeline.
    static func tinyRules(in dir: URL) throws -> URL {
        let rules = dir.appendingPathComponent("rules")
        let restore = rules.appendingPathComponent("restore")
        try FileManager.default.createDirectory(at: restore, withIntermediateDirectories: true)
        let builder = LanguageModelBuilder()
        for name in Fixtures.keyNames {
            for t in try Fixtures.keyResult(name).targets { builder.add(paragraph: t.text) }
        }
        try builder.build(minCount: 1, minBigram: 1, minTrigram: 1).0.write(to: restore.appendingPathComponent("ngrams.bin"))
        try Data("ke\nhoach\n".utf8).write(to: restore.appendingPathComponent("syllables.txt"))
        try Data().write(to: restore.appendingPathComponent("lexicon.tsv"))
        try Data().write(to: restore.appendingPathComponent("confusions.tsv"))
        // The real extraction rules: batch runs restoration and extraction.
        try FileManager.default.copyItem(at: Fixtures.repo.appendingPathComponent("rules/extract"),
                                         to: rules.appendingPathComponent("extract"))
        return rules
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

/// A test of the `kehoach` binary, run in a scratch folder of its own (the binary built first).
class BinaryTestCase: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        _ = try KehoachBinary.url()
        dir = try scratch()
    }

    @discardableResult
    func kehoach(_ args: [String], stdin: Data? = nil) throws -> KehoachBinary.Result {
        try KehoachBinary.run(args, in: dir, stdin: stdin)
    }
}
