import Foundation
import GRDB
import XCTest
@testable import Kehoach

/// Issue 13, run as a user runs kehoach: nothing lost, nothing touched outside --out, no hang.
/// Real files in; exit statuses, messages naming the file and the files on disk checked.
final class BatchReliabilityTests: XCTestCase {
    private var dir: URL!
    private var rules: URL!
    private let fm = FileManager.default

    override func setUpWithError() throws {
        _ = try KehoachBinary.url()
        dir = try scratch()
        rules = try KehoachBinary.tinyRules(in: dir)
    }

    @discardableResult
    private func kehoach(_ args: [String]) throws -> KehoachBinary.Result {
        try KehoachBinary.run(args, in: dir)
    }

    private func batch(_ args: [String]) throws -> KehoachBinary.Result {
        try kehoach(["batch"] + args + ["--rules", rules.path, "--jobs", "2"])
    }

    /// Copies corpus documents to dir/RELATIVE paths.
    private func put(_ files: [String: String]) throws {
        for (rel, corpusName) in files {
            let url = dir.appendingPathComponent(rel)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.copyItem(at: Fixtures.raw.appendingPathComponent(corpusName + ".txt"), to: url)
        }
    }

    private func sql(_ db: String, _ query: String) throws -> Int {
        let queue = try DatabaseQueue(path: dir.appendingPathComponent(db).path)
        return try queue.read { try Int.fetchOne($0, sql: query) ?? -1 }
    }

    private func exists(_ rel: String) -> Bool { fm.fileExists(atPath: dir.appendingPathComponent(rel).path) }

    private func noRawErrors(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for raw in ["NSCocoaErrorDomain", "SQLite error", "Code=", "Error Domain"] {
            XCTAssertFalse(text.contains(raw), "raw error text in: \(text)", file: file, line: line)
        }
    }

    // MARK: 1. Writes and deletes confined to --out

    func testStoreRowsPointingOutsideOutAreIgnoredAndSaid() throws {
        try put(["in/a.txt": "konray-2023-cv", "in/b.txt": "langson-2021-kh-88"])
        XCTAssertEqual(try batch(["in", "--out", "out"]).status, 0)
        // A store edited (or copied from elsewhere) so that a.txt's outputs lie outside OUT.
        let victim = dir.appendingPathComponent("victim.txt"), victimJSON = dir.appendingPathComponent("victim.json")
        try Data("precious\n".utf8).write(to: victim)
        try Data("{}\n".utf8).write(to: victimJSON)
        let queue = try DatabaseQueue(path: dir.appendingPathComponent("out/kehoach.sqlite").path)
        try queue.write { db in
            try db.execute(sql: "UPDATE documents SET restored_path = '../victim.txt', json_path = ? WHERE path LIKE '%in/a.txt'",
                           arguments: [victimJSON.path])
        }
        try queue.close()
        try fm.removeItem(at: dir.appendingPathComponent("in/a.txt"))

        let rerun = try batch(["in", "--out", "out"])
        XCTAssertEqual(rerun.status, 0, rerun.err)
        XCTAssertEqual(try String(contentsOf: victim, encoding: .utf8), "precious\n", "nothing outside OUT is deleted")
        XCTAssertTrue(fm.fileExists(atPath: victimJSON.path))
        XCTAssertTrue(rerun.err.contains("warning: the store records \"../victim.txt\" as an output of \(dir.path)/in/a.txt"), rerun.err)
        XCTAssertTrue(rerun.err.contains("\"\(victimJSON.path)\""), rerun.err)
        XCTAssertTrue(rerun.err.contains("it is not inside out, so it is left alone"), rerun.err)
        let report = try JSONDecoder().decode(BatchReport.self, from: Data(contentsOf: dir.appendingPathComponent("out/report.json")))
        XCTAssertEqual(report.removed, [dir.path + "/in/a.txt"])
        XCTAssertEqual(report.warnings?.count, 2)
    }

    func testSymlinkedFolderInsideOutIsNotWrittenThrough() throws {
        try put(["in/a.txt": "konray-2023-cv", "in/sub/b.txt": "langson-2021-kh-88"])
        let elsewhere = dir.appendingPathComponent("elsewhere")
        try fm.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("out"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(at: dir.appendingPathComponent("out/sub"), withDestinationURL: elsewhere)

        let run = try batch(["in", "--out", "out"])
        XCTAssertEqual(run.status, 1, run.err)
        XCTAssertTrue(run.err.contains("failed \(dir.path)/in/sub/b.txt: output: out/sub is a symbolic link; batch does not write through links"), run.err)
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: elsewhere.path), [], "nothing written through the link")
        XCTAssertTrue(exists("out/a.txt"))
    }

    // MARK: 2. Output names never silently replaced

    func testSecondRunWithTheSameRelativeNamesIntoOneOutIsRefused() throws {
        try put(["2024/x.txt": "konray-2023-cv", "2025/x.txt": "langson-2021-kh-88"])
        XCTAssertEqual(try batch(["2024", "--out", "res"]).status, 0)
        let before = try Data(contentsOf: dir.appendingPathComponent("res/x.json"))

        let second = try batch(["2025", "--out", "res"])
        XCTAssertEqual(second.status, 1, second.err)
        XCTAssertTrue(second.err.contains("failed \(dir.path)/2025/x.txt: collision: its outputs x.txt/.json in res are those of \(dir.path)/2024/x.txt"), second.err)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("res/x.json")), before, "the first run's outputs are kept")
        XCTAssertEqual(try sql("res/kehoach.sqlite", "SELECT COUNT(*) FROM documents WHERE json_path = 'x.json'"), 1)
        let report = try JSONDecoder().decode(BatchReport.self, from: Data(contentsOf: dir.appendingPathComponent("res/report.json")))
        XCTAssertEqual(report.files.map(\.kind), ["collision"])

        // Both folders in one run: each goes under its own name.
        let together = try batch(["2024", "2025", "--out", "both"])
        XCTAssertEqual(together.status, 0, together.err)
        XCTAssertTrue(exists("both/2024/x.txt") && exists("both/2025/x.txt"))
    }

    func testRestoreAndExtractRefuseInputsWithTheSameNameIntoOneFolder() throws {
        try fm.createDirectory(at: dir.appendingPathComponent("a"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("b"), withIntermediateDirectories: true)
        try Data("Thuc hién chinh sich\n".utf8).write(to: dir.appendingPathComponent("a/x.txt"))
        try Data("bao hiém x4 hdi\n".utf8).write(to: dir.appendingPathComponent("b/x.txt"))
        let realRules = Fixtures.repo.appendingPathComponent("rules").path

        let restore = try kehoach(["restore", "--rules", realRules, "a/x.txt", "b/x.txt", "--out-dir", "o"])
        XCTAssertEqual(restore.status, 1, restore.err)
        XCTAssertTrue(restore.err.contains("kehoach restore: b/x.txt: not restored: its output x.txt would replace that of a/x.txt"), restore.err)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("o/x.txt"), encoding: .utf8), "Thực hiện chính sách\n")

        let extract = try kehoach(["extract", "--rules", realRules, "--restored", "a/x.txt", "b/x.txt", "--out-dir", "e"])
        XCTAssertEqual(extract.status, 1, extract.err)
        XCTAssertTrue(extract.err.contains("kehoach extract: b/x.txt: not extracted: its output x.json would replace that of a/x.txt"), extract.err)
        let json = try JSONDecoder().decode(ExtractionResult.self, from: Data(contentsOf: dir.appendingPathComponent("e/x.json")))
        XCTAssertEqual(json.source.path, "a/x.txt")
    }

    // MARK: 3. One run at a time; leftovers of killed runs cleaned

    func testSecondRunOnTheSameOutIsRefusedWhileTheFirstHoldsTheLock() throws {
        try put(["in/a.txt": "konray-2023-cv"])
        let out = dir.appendingPathComponent("out")
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        // This test process plays the running batch: it holds the lock.
        let held = try OutputFolder.lock(out.path)
        let refused = try batch(["in", "--out", "out"])
        XCTAssertEqual(refused.status, 2, refused.err)
        XCTAssertTrue(refused.err.contains("out: another kehoach batch (process \(getpid())) is writing into this output folder"), refused.err)
        XCTAssertFalse(exists("out/a.txt"))
        held.release()

        // A lock file left by a run that was killed (its process is gone) is taken over, and the
        // temporaries it left are removed; other hidden files are not touched.
        try Data("999999999\n".utf8).write(to: out.appendingPathComponent(OutputFolder.lockName))
        try fm.createDirectory(at: out.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("half".utf8).write(to: out.appendingPathComponent(".a.txt.tmp-999999999-12345"))
        try Data("half".utf8).write(to: out.appendingPathComponent("sub/.b.json.tmp-999999999-7"))
        try Data("mine".utf8).write(to: out.appendingPathComponent(".keep"))
        let run = try batch(["in", "--out", "out"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(exists("out/a.txt"))
        XCTAssertFalse(exists("out/.a.txt.tmp-999999999-12345"))
        XCTAssertFalse(exists("out/sub/.b.json.tmp-999999999-7"))
        XCTAssertTrue(run.err.contains("sub/.b.json.tmp-999999999-7: removed, a temporary file left by a run that was killed"), run.err)
        XCTAssertTrue(exists("out/.keep"))
        XCTAssertFalse(exists("out/" + OutputFolder.lockName), "the lock goes with the run")
    }

    // MARK: 4. A document is its canonical path and its content

    func testTheSameTreeGivenRelativeAndAbsoluteIsOneSetOfDocuments() throws {
        try put(["in/a.txt": "konray-2023-cv", "in/sub/b.txt": "langson-2021-kh-88"])
        // A row an earlier version stored under the relative path it was given is the same document.
        let legacy = try Store(path: dir.appendingPathComponent("out/kehoach.sqlite").path)
        try legacy.recordFailure(path: "in/a.txt", sha256: nil, kind: "empty", detail: "file is empty", byteOffset: nil)
        try legacy.finish()
        XCTAssertEqual(try batch(["in", "--out", "out"]).status, 0)
        XCTAssertEqual(try sql("out/kehoach.sqlite", "SELECT COUNT(*) FROM documents"), 2)
        let absolute = try batch([dir.appendingPathComponent("in").path + "/", "--out", "out"])
        XCTAssertEqual(absolute.status, 0, absolute.err)
        XCTAssertTrue(absolute.err.contains("2 files: 0 processed, 2 unchanged, 0 failed"), absolute.err)
        let dotted = try batch(["./in/../in", "--out", "out"])
        XCTAssertTrue(dotted.err.contains("2 files: 0 processed, 2 unchanged, 0 failed"), dotted.err)
        XCTAssertEqual(try sql("out/kehoach.sqlite", "SELECT COUNT(*) FROM documents"), 2)
        XCTAssertEqual(try sql("out/kehoach.sqlite", "SELECT COUNT(*) FROM documents WHERE path = '\(dir.path)/in/sub/b.txt'"), 1)
    }

    func testIdenticalContentAtTwoPathsIsStoredOnceWithBothPaths() throws {
        try put(["in/a.txt": "langson-2021-kh-88", "in/copy/a-again.txt": "langson-2021-kh-88", "in/other.txt": "konray-2023-cv"])
        // A store made before copies were recorded (schema v1 only) is migrated.
        let old = try DatabaseQueue(path: dir.appendingPathComponent("old.sqlite").path)
        try Store.migrator.migrate(old, upTo: "v1")
        try old.close()
        let first = try batch(["in", "--out", "out", "--db", "old.sqlite"])
        XCTAssertEqual(first.status, 0, first.err)
        XCTAssertTrue(first.err.contains("3 files: 3 processed"), first.err)
        XCTAssertTrue(exists("out/a.json") && exists("out/copy/a-again.json"), "every path has its outputs")

        let a = "\(dir.path)/in/a.txt", copy = "\(dir.path)/in/copy/a-again.txt"
        XCTAssertEqual(try sql("old.sqlite", "SELECT COUNT(*) FROM documents"), 2)
        XCTAssertEqual(try sql("old.sqlite", "SELECT COUNT(*) FROM document_copies WHERE path = '\(copy)' AND document_path = '\(a)'"), 1)
        let targets = try kehoach(["query", "targets", "--db", "old.sqlite", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(targets.out.utf8)) as! [[String: Any]]
        let ofA = try sql("old.sqlite", "SELECT COUNT(*) FROM targets WHERE document_path = '\(a)'")
        let ofOther = try sql("old.sqlite", "SELECT COUNT(*) FROM targets WHERE document_path LIKE '%/other.txt'")
        XCTAssertGreaterThan(ofA, 0)
        XCTAssertEqual(rows.count, ofA + ofOther, "the copy's targets are not counted twice")
        let docs = try kehoach(["query", "documents", "--db", "old.sqlite", "--format", "json"])
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(docs.out.utf8)) as! [[String: Any]]).count, 2, "counted once")

        let again = try batch(["in", "--out", "out", "--db", "old.sqlite"])
        XCTAssertTrue(again.err.contains("3 files: 0 processed, 3 unchanged"), again.err)

        // The stored copy gone, the other path holds the document.
        let storedTargets = ofA
        try fm.removeItem(at: dir.appendingPathComponent("in/a.txt"))
        let pruned = try batch(["in", "--out", "out", "--db", "old.sqlite"])
        XCTAssertEqual(pruned.status, 0, pruned.err)
        XCTAssertEqual(try sql("old.sqlite", "SELECT COUNT(*) FROM targets WHERE document_path = '\(copy)'"), storedTargets)
        XCTAssertEqual(try sql("old.sqlite", "SELECT COUNT(*) FROM document_copies"), 0)
        XCTAssertEqual(try sql("old.sqlite", "SELECT COUNT(*) FROM documents"), 2)
    }

    // MARK: 5. Every input processed or reported; no hang

    func testFifosDanglingLinksAndBadNamesAreReportedNotSkipped() throws {
        try put(["in/good.txt": "konray-2023-cv"])
        let input = dir.appendingPathComponent("in")
        XCTAssertEqual(mkfifo(input.appendingPathComponent("pipe.txt").path, 0o644), 0)
        try fm.createSymbolicLink(atPath: input.appendingPathComponent("dangling.txt").path, withDestinationPath: "missing.txt")
        let badName = Array(input.path.utf8) + Array("/Ha N".utf8) + [0xF4] + Array("i.txt".utf8) + [0]
        let fd = badName.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) } }
        XCTAssertGreaterThanOrEqual(fd, 0)
        _ = "Ke hoach\n".withCString { write(fd, $0, 9) }
        close(fd)

        let run = try batch(["in", "--out", "out"])
        XCTAssertEqual(run.status, 1, run.err)
        XCTAssertTrue(run.err.contains("4 files: 1 processed, 0 unchanged, 3 failed"), run.err)
        XCTAssertTrue(run.err.contains("failed \(input.path)/pipe.txt: not-regular: not a regular file (a FIFO)"), run.err)
        XCTAssertTrue(run.err.contains("failed \(input.path)/dangling.txt: dangling-link: symbolic link to a missing file"), run.err)
        XCTAssertTrue(run.err.contains("failed \(input.path)/Ha N\\xF4i.txt: bad-name: the name is not UTF-8"), run.err)
        let report = try JSONDecoder().decode(BatchReport.self, from: Data(contentsOf: dir.appendingPathComponent("out/report.json")))
        XCTAssertEqual(report.files.map(\.kind), ["bad-name", "dangling-link", nil, "not-regular"])
    }

    func testAFifoGivenAsInputIsRefusedRatherThanWaitedOn() throws {
        XCTAssertEqual(mkfifo(dir.appendingPathComponent("pipe.txt").path, 0o644), 0)
        let realRules = Fixtures.repo.appendingPathComponent("rules").path
        let restore = try kehoach(["restore", "--rules", realRules, "pipe.txt"])
        XCTAssertEqual(restore.status, 1)
        XCTAssertTrue(restore.err.contains("pipe.txt: not a regular file (a FIFO)"), restore.err)
        let extract = try kehoach(["extract", "--rules", realRules, "pipe.txt"])
        XCTAssertEqual(extract.status, 1)
        XCTAssertTrue(extract.err.contains("pipe.txt: not a regular file (a FIFO)"), extract.err)
        let batch = try self.batch(["pipe.txt", "--out", "out"])
        XCTAssertEqual(batch.status, 1)
        XCTAssertTrue(batch.err.contains("\(dir.path)/pipe.txt: not-regular: not a regular file (a FIFO)"), batch.err)
    }

    // MARK: 6. File-system and SQLite errors in words, naming the file

    func testOutputAndReportFailuresAreNamedAndTheRunSaysWhatIsMissing() throws {
        try put(["in/a.txt": "konray-2023-cv", "in/sub/b.txt": "langson-2021-kh-88"])
        let out = dir.appendingPathComponent("out")
        try fm.createDirectory(at: out.appendingPathComponent("report.json/x"), withIntermediateDirectories: true)
        try Data("a file where a folder must go".utf8).write(to: out.appendingPathComponent("sub"))

        let run = try batch(["in", "--out", "out"])
        XCTAssertEqual(run.status, 1, run.err)
        noRawErrors(run.err)
        XCTAssertTrue(run.err.contains("failed \(dir.path)/in/sub/b.txt: output: \(dir.path)/out/sub: cannot create folder: a file of that name is in the way"), run.err)
        XCTAssertTrue(run.err.contains("error: the run report was not written (\(dir.path)/out/report.json: cannot write: Is a directory); missing: \(dir.path)/out/report.json, and the outputs of the 1 failed files named above"), run.err)
        XCTAssertTrue(exists("out/a.txt"))
    }

    func testStoreErrorsNameTheStore() throws {
        try put(["in/a.txt": "konray-2023-cv"])
        try Data(repeating: 0x41, count: 4096).write(to: dir.appendingPathComponent("garbage.sqlite"))
        let garbage = try batch(["in", "--out", "out", "--db", "garbage.sqlite"])
        XCTAssertEqual(garbage.status, 2)
        noRawErrors(garbage.err)
        XCTAssertTrue(garbage.err.contains("garbage.sqlite: store error: not a SQLite database"), garbage.err)

        try Data("x".utf8).write(to: dir.appendingPathComponent("afile"))
        let blocked = try batch(["in", "--out", "out", "--db", "afile/k.sqlite"])
        XCTAssertEqual(blocked.status, 2)
        noRawErrors(blocked.err)
        XCTAssertTrue(blocked.err.contains("afile"), blocked.err)

        let query = try kehoach(["query", "documents", "--db", "garbage.sqlite"])
        XCTAssertNotEqual(query.status, 0)
        noRawErrors(query.err)
        XCTAssertTrue(query.err.contains("garbage.sqlite"), query.err)

        let restore = try kehoach(["restore", "--rules", Fixtures.repo.appendingPathComponent("rules").path,
                                   "in/a.txt", "-o", "afile/out.txt"])
        XCTAssertEqual(restore.status, 1)
        noRawErrors(restore.err)
        XCTAssertTrue(restore.err.contains("afile: cannot create folder: a file of that name is in the way"), restore.err)
    }

    /// A real full disk: a tiny tmpfs, so only where the tests run as root (elsewhere skipped).
    func testFullDiskIsSaidWithTheFilesNamedAndTheReportOrWhatIsMissing() throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a tmpfs needs root") }
        for i in 1...6 { try put(["in/d\(i).txt": "langson-2021-kh-88"]) }
        let disk = dir.appendingPathComponent("disk")
        try fm.createDirectory(at: disk, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=360k", "tmpfs", disk.path]
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else { throw XCTSkip("cannot mount a tmpfs here") }
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [disk.path]
            try? umount.run()
            umount.waitUntilExit()
        }
        let run = try batch(["in", "--out", "disk/out"])
        XCTAssertEqual(run.status, 1, run.err)
        noRawErrors(run.err)
        XCTAssertTrue(run.err.contains("No space left on device") || run.err.contains("store error: the disk is full"), run.err)
        XCTAssertTrue(exists("disk/out/report.json") || run.err.contains("missing: \(disk.path)/out/report.json"), run.err)
    }
}
