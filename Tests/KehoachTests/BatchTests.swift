import GRDB
import XCTest
@testable import Kehoach

final class BatchTests: XCTestCase {
    /// in/ with the five corpus documents in a small tree, three bad files, a hidden file and a
    /// non-text file.
    private func makeTree(_ root: URL, only: Set<String>? = nil) throws -> URL {
        let input = root.appendingPathComponent("in")
        let fm = FileManager.default
        let layout = [
            "hanoi-2025-kh-15": "c",
            "konray-2023-cv": "a/b",
            "konray-2025-kh-bcd": "",
            "langson-2021-kh-88": "a",
            "ngocphung-2025-kh-42": "",
        ]
        for (name, dir) in layout where only == nil || only!.contains(name) {
            let target = input.appendingPathComponent(dir)
            try fm.createDirectory(at: target, withIntermediateDirectories: true)
            let dest = target.appendingPathComponent("\(name).txt")
            if !fm.fileExists(atPath: dest.path) { try fm.copyItem(at: Fixtures.raw.appendingPathComponent("\(name).txt"), to: dest) }
        }
        let bad = input.appendingPathComponent("bad")
        try fm.createDirectory(at: bad, withIntermediateDirectories: true)
        try Data([UInt8]("Ke hoach so 1\nHa N".utf8) + [0xF4] + [UInt8]("i\n".utf8)).write(to: bad.appendingPathComponent("latin1.txt"))
        try Data().write(to: bad.appendingPathComponent("empty.txt"))
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00]).write(to: bad.appendingPathComponent("scan.txt"))
        try Data("hidden".utf8).write(to: input.appendingPathComponent(".hidden.txt"))
        try fm.createDirectory(at: input.appendingPathComponent(".git"), withIntermediateDirectories: true)
        try Data("git".utf8).write(to: input.appendingPathComponent(".git/x.txt"))
        try Data("# notes".utf8).write(to: input.appendingPathComponent("notes.md"))
        return input
    }

    private func run(_ input: URL, _ out: URL, jobs: Int, processor: KeyProcessor = KeyProcessor()) throws -> BatchReport {
        try BatchRunner(processor: processor, options: BatchOptions(inputs: [input.path], outDir: out.path, jobs: jobs)).run()
    }

    private func snapshot(_ out: URL) throws -> ([String: Data], String) {
        (try Fixtures.outputs(out), try Fixtures.dump(out.appendingPathComponent("kehoach.sqlite").path))
    }

    func testBatchStoresGoodFilesAndReportsBadOnes() throws {
        let root = try scratch()
        let input = try makeTree(root)
        // OUT inside the input tree must not be walked.
        let out = input.appendingPathComponent("results")
        let report = try run(input, out, jobs: 2)

        XCTAssertEqual(report.total, 8)
        XCTAssertEqual(report.ok, 5)
        XCTAssertEqual(report.failed, 3)
        XCTAssertEqual(report.skipped, 0)
        XCTAssertTrue(report.hasFailures)
        let rel = report.files.map { String($0.path.dropFirst(input.path.count + 1)) }
        XCTAssertEqual(rel, ["a/b/konray-2023-cv.txt", "a/langson-2021-kh-88.txt", "bad/empty.txt", "bad/latin1.txt",
                             "bad/scan.txt", "c/hanoi-2025-kh-15.txt", "konray-2025-kh-bcd.txt", "ngocphung-2025-kh-42.txt"])
        let byName = Dictionary(uniqueKeysWithValues: zip(rel, report.files))
        XCTAssertEqual(byName["bad/empty.txt"]?.status, .failed)
        XCTAssertEqual(byName["bad/empty.txt"]?.kind, "empty")
        XCTAssertEqual(byName["bad/latin1.txt"]?.kind, "invalid-utf8")
        XCTAssertEqual(byName["bad/latin1.txt"]?.byteOffset, 18)
        XCTAssertEqual(byName["bad/scan.txt"]?.kind, "binary")
        XCTAssertEqual(byName["bad/scan.txt"]?.byteOffset, 6)
        XCTAssertEqual(byName["a/langson-2021-kh-88.txt"]?.status, .ok)
        XCTAssertEqual(byName["a/langson-2021-kh-88.txt"]?.targets, 9)
        XCTAssertEqual(byName["a/langson-2021-kh-88.txt"]?.json, "a/langson-2021-kh-88.json")

        // The report on disk is the one returned.
        let onDisk = try JSONDecoder().decode(BatchReport.self, from: Data(contentsOf: out.appendingPathComponent("report.json")))
        XCTAssertEqual(onDisk, report)

        // Outputs mirror the tree; nothing for bad files.
        let outputs = try Fixtures.outputs(out)
        XCTAssertEqual(outputs.keys.sorted(), [
            "a/b/konray-2023-cv.json", "a/b/konray-2023-cv.txt", "a/langson-2021-kh-88.json", "a/langson-2021-kh-88.txt",
            "c/hanoi-2025-kh-15.json", "c/hanoi-2025-kh-15.txt", "konray-2025-kh-bcd.json", "konray-2025-kh-bcd.txt",
            "ngocphung-2025-kh-42.json", "ngocphung-2025-kh-42.txt",
        ])
        let source = try String(contentsOf: Fixtures.raw.appendingPathComponent("langson-2021-kh-88.txt"), encoding: .utf8)
        XCTAssertEqual(String(decoding: outputs["a/langson-2021-kh-88.txt"]!, as: UTF8.self), Normalize.uppercased(source))
        let json = try JSONDecoder().decode(ExtractionResult.self, from: outputs["a/langson-2021-kh-88.json"]!)
        XCTAssertEqual(json.source.path, input.path + "/a/langson-2021-kh-88.txt")
        XCTAssertEqual(json.source.sha256, sha256Hex(try Data(contentsOf: Fixtures.raw.appendingPathComponent("langson-2021-kh-88.txt"))))
        XCTAssertEqual(json.targets.count, 9)

        // The store: five documents ok, three failed with their reasons.
        let db = try Store.openReadOnly(path: out.appendingPathComponent("kehoach.sqlite").path)
        try db.read { db in
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents WHERE status = 'ok'"), 5)
            let failed = try Row.fetchAll(db, sql: "SELECT path, error_kind, error_offset FROM documents WHERE status = 'failed' ORDER BY path")
            XCTAssertEqual(failed.map { $0["error_kind"] as String }, ["empty", "invalid-utf8", "binary"])
            XCTAssertEqual(failed.map { $0["error_offset"] as Int? }, [nil, 18, 6])
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM targets WHERE document_path LIKE '%langson%'"), 9)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agencies WHERE document_path LIKE '%langson%'"), 25)
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT journal_mode FROM pragma_journal_mode"), "delete")
        }
    }

    func testRerunSkipsUnchangedAndGivesIdenticalOutputs() throws {
        let root = try scratch()
        let input = try makeTree(root)
        let out = root.appendingPathComponent("out")
        let first = try run(input, out, jobs: 2)
        let before = try snapshot(out)

        let processor = KeyProcessor()
        let second = try run(input, out, jobs: 2, processor: processor)
        XCTAssertEqual(processor.calls, [], "nothing unchanged is processed again")
        XCTAssertEqual(second.ok, 0)
        XCTAssertEqual(second.skipped, 5)
        XCTAssertEqual(second.failed, 3, "failed files are retried and fail again")
        XCTAssertEqual(second.files.map(\.targets), first.files.map(\.targets))
        let after = try snapshot(out)
        XCTAssertEqual(after.0, before.0)
        XCTAssertEqual(after.1, before.1)

        // One changed document is redone; new rules redo all.
        let changed = input.appendingPathComponent("konray-2025-kh-bcd.txt")
        try (String(contentsOf: changed, encoding: .utf8) + "\nPhụ lục\n").write(to: changed, atomically: true, encoding: .utf8)
        let third = try run(input, out, jobs: 2, processor: processor)
        XCTAssertEqual(processor.calls, [changed.path])
        XCTAssertEqual(third.ok, 1)
        XCTAssertEqual(third.skipped, 4)
        let newRules = KeyProcessor(fingerprint: "test-rules-2")
        let fourth = try run(input, out, jobs: 2, processor: newRules)
        XCTAssertEqual(fourth.ok, 5)
        XCTAssertEqual(newRules.calls.count, 5)
    }

    func testInterruptedRunThenRerunEqualsCleanRun() throws {
        let root = try scratch()
        let input = try makeTree(root)
        let clean = root.appendingPathComponent("clean")
        _ = try run(input, clean, jobs: 2)
        let expected = try snapshot(clean)

        // Stop after two documents, as Ctrl-C does.
        let out = root.appendingPathComponent("out")
        let processor = KeyProcessor()
        let runner = BatchRunner(processor: processor, options: BatchOptions(inputs: [input.path], outDir: out.path, jobs: 1))
        processor.afterEach = { n in if n >= 2 { runner.cancel() } }
        let partial = try runner.run()
        XCTAssertEqual(partial.ok, 2)
        XCTAssertEqual(partial.pending, 6)
        XCTAssertEqual(partial.files.filter { $0.status == .pending }.count, 6)

        // Damage what the partial run left: one output gone, one edited.
        let done = partial.files.filter { $0.status == .ok }
        try FileManager.default.removeItem(at: out.appendingPathComponent(done[0].json!))
        try Data("edited".utf8).write(to: out.appendingPathComponent(done[1].restored!))

        let resumed = KeyProcessor()
        let final = try run(input, out, jobs: 2, processor: resumed)
        XCTAssertEqual(final.ok, 5, "the two damaged and three unreached documents are processed")
        XCTAssertEqual(final.skipped, 0)
        XCTAssertEqual(final.failed, 3)
        let got = try snapshot(out)
        XCTAssertEqual(got.0, expected.0)
        XCTAssertEqual(got.1, expected.1)
    }

    func testHalfThenAllEqualsCleanRun() throws {
        // A tree filled in two steps, run after each into one OUT, ends as a clean run of the whole.
        let root = try scratch()
        let input = try makeTree(root, only: ["konray-2023-cv", "langson-2021-kh-88"])
        let out = root.appendingPathComponent("out")
        XCTAssertEqual(try run(input, out, jobs: 2).ok, 2)
        _ = try makeTree(root)
        let second = try run(input, out, jobs: 2)
        XCTAssertEqual(second.skipped, 2)
        XCTAssertEqual(second.ok, 3)

        let clean = root.appendingPathComponent("clean")
        _ = try run(input, clean, jobs: 2)
        let a = try snapshot(out), b = try snapshot(clean)
        XCTAssertEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
    }

    func testRemovedInputsArePrunedLikeACleanRun() throws {
        let root = try scratch()
        let input = try makeTree(root)
        let out = root.appendingPathComponent("out")
        XCTAssertEqual(try run(input, out, jobs: 2).removed, [])
        let gone = [input.appendingPathComponent("a/langson-2021-kh-88.txt"), input.appendingPathComponent("bad/empty.txt")]
        for url in gone { try FileManager.default.removeItem(at: url) }
        // A document stored by `ingest` under the same folder is not the batch's to remove.
        let store = try Store(path: out.appendingPathComponent("kehoach.sqlite").path)
        try store.replace(try Fixtures.keyResult("langson-2021-kh-88", path: input.path + "/ingested.txt"))
        try store.finish()

        let report = try run(input, out, jobs: 2)
        XCTAssertEqual(report.removed, gone.map(\.path).sorted())
        XCTAssertEqual(report.skipped, 4)
        XCTAssertEqual(report.failed, 2)
        XCTAssertEqual(report.total, 6)
        try Store(path: out.appendingPathComponent("kehoach.sqlite").path).delete(paths: [input.path + "/ingested.txt"])

        let clean = root.appendingPathComponent("clean")
        _ = try run(input, clean, jobs: 2)
        let a = try snapshot(out), b = try snapshot(clean)
        XCTAssertEqual(a.0.keys.sorted(), b.0.keys.sorted())
        XCTAssertEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
    }

    func testJobsDoNotChangeResults() throws {
        let root = try scratch()
        let input = try makeTree(root)
        let one = root.appendingPathComponent("one"), three = root.appendingPathComponent("three")
        let a = try run(input, one, jobs: 1)
        let b = try run(input, three, jobs: 3)
        XCTAssertEqual(a, b)
        XCTAssertEqual(try Data(contentsOf: one.appendingPathComponent("report.json")),
                       try Data(contentsOf: three.appendingPathComponent("report.json")))
        let sa = try snapshot(one), sb = try snapshot(three)
        XCTAssertEqual(sa.0, sb.0)
        XCTAssertEqual(sa.1, sb.1)
        XCTAssertEqual(sa.0.count, 10)
    }

    func testFileThatStartsFailingLosesItsOldOutputs() throws {
        let root = try scratch()
        let input = try makeTree(root, only: ["langson-2021-kh-88"])
        let out = root.appendingPathComponent("out")
        XCTAssertEqual(try run(input, out, jobs: 1).ok, 1)
        let doc = input.appendingPathComponent("a/langson-2021-kh-88.txt")
        try Data("PROCESSOR-FAILS here\n".utf8).write(to: doc)
        let report = try run(input, out, jobs: 1)
        XCTAssertEqual(report.failed, 4)
        let entry = report.files.first { $0.path == doc.path }!
        XCTAssertEqual(entry.kind, "processing")
        XCTAssertEqual(entry.reason, "test processor refuses this document")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("a/langson-2021-kh-88.json").path))
        let db = try Store.openReadOnly(path: out.appendingPathComponent("kehoach.sqlite").path)
        XCTAssertEqual(try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM targets") }, 0)
        XCTAssertEqual(try db.read { try String.fetchOne($0, sql: "SELECT status FROM documents WHERE path = ?", arguments: [doc.path]) }, "failed")
    }

    func testSeveralInputFoldersGoUnderTheirNames() throws {
        let root = try scratch()
        let a = root.appendingPathComponent("2021"), b = root.appendingPathComponent("2023")
        try FileManager.default.createDirectory(at: a, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: b, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.raw.appendingPathComponent("langson-2021-kh-88.txt"), to: a.appendingPathComponent("doc.txt"))
        try FileManager.default.copyItem(at: Fixtures.raw.appendingPathComponent("konray-2023-cv.txt"), to: b.appendingPathComponent("doc.txt"))
        let files = try BatchRunner.listFiles(inputs: [a.path, b.path], outDir: root.appendingPathComponent("out").path)
        XCTAssertEqual(files.map(\.outputStem), ["2021/doc", "2023/doc"])
        XCTAssertThrowsError(try BatchRunner.listFiles(inputs: [a.path], outDir: a.path))
    }

    /// A document found at two paths: which path holds it does not depend on --jobs, on an
    /// interruption, or on the order paths come and go; each case ends as a clean run.
    func testCopiesEndAsACleanRunWhateverTheJobsOrInterruptions() throws {
        let root = try scratch()
        let input = root.appendingPathComponent("in")
        let fm = FileManager.default
        for (rel, name) in [("a/doc.txt", "langson-2021-kh-88"), ("b/doc-again.txt", "langson-2021-kh-88"),
                            ("c.txt", "konray-2023-cv"), ("d.txt", "langson-2021-kh-88")] {
            let url = input.appendingPathComponent(rel)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.copyItem(at: Fixtures.raw.appendingPathComponent(name + ".txt"), to: url)
        }
        let one = root.appendingPathComponent("one"), three = root.appendingPathComponent("three")
        _ = try run(input, one, jobs: 1)
        _ = try run(input, three, jobs: 3)
        let clean = try snapshot(one)
        XCTAssertEqual(try snapshot(three).1, clean.1)
        XCTAssertEqual(clean.0.count, 8, "every path has its outputs")
        XCTAssertTrue(clean.1.contains("## document_copies"))
        let db = try Store.openReadOnly(path: one.appendingPathComponent("kehoach.sqlite").path)
        XCTAssertEqual(try db.read { try String.fetchAll($0, sql: "SELECT path FROM documents ORDER BY path") },
                       [input.path + "/a/doc.txt", input.path + "/c.txt"])
        XCTAssertEqual(try db.read { try String.fetchAll($0, sql: "SELECT document_path FROM document_copies ORDER BY path") },
                       [input.path + "/a/doc.txt", input.path + "/a/doc.txt"])

        // Interrupted after one document, then resumed.
        let out = root.appendingPathComponent("out")
        let processor = KeyProcessor()
        let runner = BatchRunner(processor: processor, options: BatchOptions(inputs: [input.path], outDir: out.path, jobs: 1))
        processor.afterEach = { n in if n >= 1 { runner.cancel() } }
        _ = try runner.run()
        let resumed = try run(input, out, jobs: 2)
        XCTAssertEqual(resumed.failed, 0)
        XCTAssertEqual(try snapshot(out).1, clean.1)

        // The path holding the document goes: the next copy holds it, as in a clean run without it.
        try fm.removeItem(at: input.appendingPathComponent("a/doc.txt"))
        _ = try run(input, out, jobs: 2)
        let cleanAfter = root.appendingPathComponent("clean-after")
        _ = try run(input, cleanAfter, jobs: 1)
        let a = try snapshot(out), b = try snapshot(cleanAfter)
        XCTAssertEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
    }
}
