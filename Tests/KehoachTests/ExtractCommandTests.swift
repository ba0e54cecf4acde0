import XCTest

/// `kehoach extract` as a user runs it: bad inputs are reported by name, the others still processed.
final class ExtractCommandTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    override func setUpWithError() throws { _ = try KehoachBinary.url() }

    func run(_ args: [String], stdin: String? = nil) throws -> KehoachBinary.Result {
        try KehoachBinary.run(args, stdin: stdin.map { Data($0.utf8) })
    }

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("kehoach-extract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func testBadInputsAreNamedAndOthersStillProcessed() throws {
        let dir = try tempDir()
        let good = Self.root.appendingPathComponent("corpus/gold/langson-2021-kh-88.gold.txt").path
        let empty = dir.appendingPathComponent("empty.txt").path
        let invalid = dir.appendingPathComponent("latin1.txt").path
        let missing = dir.appendingPathComponent("missing.txt").path
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        XCTAssertTrue(FileManager.default.createFile(atPath: invalid, contents: Data([0x4B, 0xE9, 0x20, 0x68, 0x6F, 0xA0, 0x63, 0x68, 0x0A])))
        let out = dir.appendingPathComponent("out")
        let r = try run(["extract", "--restored", "--out-dir", out.path, missing, empty, good, invalid])
        XCTAssertNotEqual(r.status, 0)
        for name in ["missing.txt", "empty.txt", "latin1.txt"] { XCTAssertTrue(r.err.contains(name), "stderr does not name \(name): \(r.err)") }
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
        XCTAssertEqual(files, ["langson-2021-kh-88.json"])
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(files[0]))) as! [String: Any]
        XCTAssertEqual((json["document"] as! [String: Any])["number"] as? String, "88/KH-UBND")
        XCTAssertEqual(((json["source"] as! [String: Any])["sha256"] as? String)?.count, 64)
    }

    func testMissingFileAloneFails() throws {
        let r = try run(["extract", "--restored", "/nonexistent/plan.txt"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("/nonexistent/plan.txt"), r.err)
        XCTAssertEqual(r.out, "")
    }

    func testJsonlReadsPathsFromStandardInput() throws {
        let a = Self.root.appendingPathComponent("corpus/gold/langson-2021-kh-88.gold.txt").path
        let b = Self.root.appendingPathComponent("corpus/gold/ngocphung-2025-kh-42.gold.txt").path
        let r = try run(["extract", "--restored", "--jsonl"], stdin: "\(a)\n\(b)\n")
        XCTAssertEqual(r.status, 0, r.err)
        let lines = r.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        for line in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            XCTAssertEqual(obj?["schema"] as? String, "kehoach.extract/1")
        }
    }

    func testOutputFileIsWritten() throws {
        let dir = try tempDir()
        let out = dir.appendingPathComponent("plan.json").path
        let input = Self.root.appendingPathComponent("corpus/raw/konray-2023-cv.txt").path
        let r = try run(["extract", "--restored", input, "-o", out])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as! [String: Any]
        XCTAssertEqual((json["document"] as! [String: Any])["kind"] as? String, "CÔNG VĂN")
    }

    func testHelpHasExamples() throws {
        let r = try run(["extract", "--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.out.contains("Examples:"), r.out)
    }
}
