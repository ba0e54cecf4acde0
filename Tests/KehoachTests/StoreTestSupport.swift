import Foundation
import XCTest
import GRDB
@testable import Kehoach

/// Test fixtures shared by the batch, store and query tests.
enum Fixtures {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let raw = repo.appendingPathComponent("corpus/raw")
    static let keys = repo.appendingPathComponent("corpus/keys")
    static let keyNames = ["konray-2023-cv", "konray-2025-kh-bcd", "langson-2021-kh-88", "ngocphung-2025-kh-42"]

    static func tempDir(_ name: String = #function) throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("kehoach-\(name.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// An answer key as an ExtractionResult with a made-up source; items the key gives no `text`
    /// get their source line's text.
    static func keyResult(_ name: String, path: String? = nil, lines: [String]? = nil) throws -> ExtractionResult {
        let data = try Data(contentsOf: keys.appendingPathComponent("\(name).entities.json"))
        var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let sourceLines = try lines ?? String(contentsOf: raw.appendingPathComponent("\(name).txt"), encoding: .utf8)
            .components(separatedBy: "\n")
        for key in ["references", "targets", "deadlines", "agencies"] {
            object[key] = (object[key] as! [[String: Any]]).map { item in
                var item = item
                if item["text"] == nil {
                    let line = item["line"] as! Int
                    item["text"] = line >= 1 && line <= sourceLines.count ? sourceLines[line - 1] : ""
                }
                if key == "agencies", item["aliases"] == nil { item["aliases"] = [String]() }
                return item
            }
        }
        object["schema"] = "kehoach.extract/1"
        object["source"] = ["path": path ?? "corpus/raw/\(name).txt", "sha256": String(repeating: "0", count: 64)]
        return try JSONDecoder().decode(ExtractionResult.self, from: JSONSerialization.data(withJSONObject: object))
    }

    /// A store filled with the four answer keys.
    static func keyStore(_ dir: URL) throws -> (Store, [String: ExtractionResult]) {
        let store = try Store(path: dir.appendingPathComponent("keys.sqlite").path)
        var results: [String: ExtractionResult] = [:]
        for name in keyNames {
            let r = try keyResult(name)
            results[name] = r
            try store.replace(r)
        }
        try store.finish()
        return (store, results)
    }

    /// Every row of every table, ordered by key, as text: equal dumps mean equal stores.
    static func dump(_ path: String) throws -> String {
        let queue = try Store.openReadOnly(path: path)
        let tables = ["documents": "path", "legal_refs": "document_path, ord", "targets": "document_path, ord",
                      "deadlines": "document_path, ord", "agencies": "document_path, ord", "document_copies": "path"]
        return try queue.read { db in
            var out = ""
            for (table, key) in tables.sorted(by: { $0.key < $1.key }) {
                out += "## \(table)\n"
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(key)") {
                    out += row.description + "\n"
                }
            }
            return out
        }
    }

    /// The files under OUT (not the run report or the store), path → bytes.
    static func outputs(_ out: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let base = out.path
        let walker = FileManager.default.enumerator(atPath: base)!
        while let rel = walker.nextObject() as? String {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: base + "/" + rel, isDirectory: &isDir) else { continue }
            if isDir.boolValue || rel == "report.json" || rel.hasPrefix("kehoach.sqlite") { continue }
            files[rel] = try Data(contentsOf: URL(fileURLWithPath: base + "/" + rel))
        }
        return files
    }
}

/// A small, real processor: the restored text is the text upper-cased; the extraction is the
/// answer key where the corpus has one for the file's name, otherwise what a few regexes find
/// (document number, BHYT percentages).
final class KeyProcessor: DocumentProcessor, @unchecked Sendable {
    let rulesFingerprint: String
    private let lock = NSLock()
    private var _calls: [String] = []
    /// Called after each document, outside the lock (tests cancel runs from here).
    var afterEach: ((Int) -> Void)?

    init(fingerprint: String = "test-rules-1") { rulesFingerprint = fingerprint }

    var calls: [String] { lock.lock(); defer { lock.unlock() }; return _calls }

    func process(text: String, path: String, sha256: String) throws -> (restored: String, extraction: ExtractionResult) {
        if text.contains("PROCESSOR-FAILS") { throw StoreError("test processor refuses this document") }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        var result: ExtractionResult
        let lines = text.components(separatedBy: "\n")
        if Fixtures.keyNames.contains(name) {
            result = try Fixtures.keyResult(name, path: path, lines: lines)
            result.source = .init(path: path, sha256: sha256)
        } else {
            result = KeyProcessor.regexExtract(lines, path: path, sha256: sha256)
        }
        lock.lock()
        _calls.append(path)
        let n = _calls.count
        lock.unlock()
        afterEach?(n)
        return (Normalize.uppercased(text), result)
    }

    static func regexExtract(_ lines: [String], path: String, sha256: String) -> ExtractionResult {
        var result = ExtractionResult(source: .init(path: path, sha256: sha256))
        let number = try! NSRegularExpression(pattern: #"S[oô6ố]\s*:\s*(\d+)\s*/\s*([A-Z-]+)"#)
        let percent = try! NSRegularExpression(pattern: #"(\d+(?:[,.]\d+)?)\s*%"#)
        for (i, line) in lines.enumerated() {
            let ns = line as NSString
            if result.document.number == nil, let m = number.firstMatch(in: line, range: NSRange(location: 0, length: ns.length)) {
                result.document.number = ns.substring(with: m.range(at: 1)) + "/" + ns.substring(with: m.range(at: 2))
            }
            if line.uppercased().contains("HA NOI") || line.uppercased().contains("HA NGI") { result.document.place = "Hà Nội" }
            guard line.contains("BHYT") else { continue }
            for m in percent.matches(in: line, range: NSRange(location: 0, length: ns.length)) {
                let value = Double(ns.substring(with: m.range(at: 1)).replacingOccurrences(of: ",", with: ".")) ?? 0
                result.targets.append(.init(indicator: "BHYT", measure: "rate", status: "target", value: value, unit: "%",
                                            population: nil, year: 2025, text: line, line: i + 1))
            }
        }
        return result
    }
}

extension XCTestCase {
    /// A fresh temporary folder, removed when the test ends.
    func scratch(_ name: String = #function) throws -> URL {
        let dir = try Fixtures.tempDir(name)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }
}
