import Crypto
import Foundation

/// Turns one document's text into its restored text and extraction. The batch engine knows
/// nothing else of the pipeline; `PipelineProcessor` joins the real stages.
public protocol DocumentProcessor: Sendable {
    /// Changes whenever the outputs for the same input could change (rules, models, code version):
    /// a rerun reprocesses every document whose recorded fingerprint differs.
    var rulesFingerprint: String { get }
    func process(text: String, path: String, sha256: String) throws -> (restored: String, extraction: ExtractionResult)
}

/// The real pipeline as a processor: restore, then extract from the restored text.
public struct PipelineProcessor: DocumentProcessor {
    public let rulesFingerprint: String
    let restore: @Sendable (String) -> String
    let extract: @Sendable (_ restored: String, _ ocr: String, _ path: String, _ sha256: String) throws -> ExtractionResult

    /// `extract` gets the restored text and the text restoration started from.
    public init(rulesFingerprint: String,
                restore: @escaping @Sendable (String) -> String,
                extract: @escaping @Sendable (_ restored: String, _ ocr: String, _ path: String, _ sha256: String) throws -> ExtractionResult) {
        self.rulesFingerprint = rulesFingerprint
        self.restore = restore
        self.extract = extract
    }

    public func process(text: String, path: String, sha256: String) throws -> (restored: String, extraction: ExtractionResult) {
        let restored = restore(text)
        return (restored, try extract(restored, text, path, sha256))
    }
}

/// A digest of everything under a rules directory (relative paths, sizes and contents) plus a
/// version string for the code, so that a batch rerun after any rule change reprocesses all.
public enum RulesFingerprint {
    public static func compute(directory: URL, version: String) throws -> String {
        var hasher = SHA256()
        hasher.update(data: Data("kehoach-rules\u{0}\(version)\u{0}".utf8))
        let root = directory.standardizedFileURL.path
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: root) else { throw StoreError("\(root): cannot list rules directory") }
        var files: [String] = []
        while let rel = walker.nextObject() as? String {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue { files.append(rel) }
        }
        for rel in files.sorted() {
            hasher.update(data: Data("\(rel)\u{0}".utf8))
            guard let handle = FileHandle(forReadingAtPath: root + "/" + rel) else { continue }
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
            hasher.update(data: Data([0]))
        }
        return hex(hasher.finalize())
    }
}

func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    digest.map { String(format: "%02x", $0) }.joined()
}

func sha256Hex(_ data: Data) -> String { hex(SHA256.hash(data: data)) }

/// One input file of a batch and where its outputs go.
public struct BatchFile: Equatable, Sendable {
    /// The path as found (input root joined with the relative path): the document's identity in
    /// the store and its `source.path`.
    public let path: String
    /// Output path under OUT without extension: "sub/dir/NAME".
    public let outputStem: String
    public let size: Int
}

/// One line of the run report.
public struct BatchEntry: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable { case ok, skipped, failed, pending }
    public var path: String
    public var status: Status
    /// "sub/NAME.txt" and "sub/NAME.json" under OUT (ok and skipped).
    public var restored: String?
    public var json: String?
    public var sha256: String?
    public var bytes: Int
    /// failed: the InputError kind (empty, binary, invalid-utf8, unreadable, too-large, missing),
    /// "processing" for an error of the pipeline, "output" for one writing results.
    public var kind: String?
    public var reason: String?
    public var byteOffset: Int?
    public var targets: Int?
    public var deadlines: Int?
    public var agencies: Int?
    public var references: Int?
}

/// `OUT/report.json`: every input file in path order with its status. Holds no timings, so that
/// reruns and runs with different `--jobs` can be compared.
public struct BatchReport: Codable, Equatable, Sendable {
    public var schema = "kehoach.batch/1"
    public var rulesFingerprint: String
    public var total: Int
    public var ok: Int
    public var skipped: Int
    public var failed: Int
    public var pending: Int
    /// Documents earlier runs stored from these folders whose files are gone; their rows and
    /// outputs were removed.
    public var removed: [String]
    public var files: [BatchEntry]

    public var hasFailures: Bool { failed > 0 }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}

/// Progress after each file, delivered one at a time (never concurrently).
public struct BatchProgress: Sendable {
    public let done: Int
    public let total: Int
    public let bytesDone: Int
    public let bytesTotal: Int
    public let elapsed: TimeInterval
    public let entry: BatchEntry

    /// Input bytes per second so far.
    public var bytesPerSecond: Double { elapsed > 0 ? Double(bytesDone) / elapsed : 0 }
    /// Seconds left at the rate so far, nil until it can be guessed.
    public var eta: TimeInterval? {
        guard bytesDone > 0, elapsed > 0.2 else { return nil }
        return Double(bytesTotal - bytesDone) / bytesPerSecond
    }
}

public struct BatchOptions: Sendable {
    public var inputs: [String]
    public var outDir: String
    /// Default: OUT/kehoach.sqlite.
    public var dbPath: String?
    public var jobs: Int
    public var maxBytes: Int

    public init(inputs: [String], outDir: String, dbPath: String? = nil,
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount, maxBytes: Int = TextInput.defaultMaxBytes) {
        self.inputs = inputs; self.outDir = outDir; self.dbPath = dbPath; self.jobs = jobs; self.maxBytes = maxBytes
    }

    public var resolvedDBPath: String { dbPath ?? URL(fileURLWithPath: outDir).appendingPathComponent("kehoach.sqlite").path }
}

/// `kehoach batch`: every text file under the inputs, in parallel, into OUT and the store.
///
/// Workers take files one at a time (memory holds one document per worker), write the restored
/// text and JSON atomically, then store the document in its own transaction; that row, with the
/// input hash, rules fingerprint and output hashes, is the manifest a rerun skips by. An
/// interrupted run therefore loses at most the documents in flight. Failing files are reported
/// and recorded with their reason; they never stop the run.
public final class BatchRunner: @unchecked Sendable {
    public let processor: DocumentProcessor
    public let options: BatchOptions
    private let lock = NSLock()
    private var cancelled = false

    public init(processor: DocumentProcessor, options: BatchOptions) {
        self.processor = processor
        self.options = options
    }

    /// Stops handing out files; those in flight finish. The report marks the rest `pending`.
    public func cancel() { lock.lock(); cancelled = true; lock.unlock() }
    private var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return cancelled }

    // MARK: Listing

    /// Text files (*.txt, any case) under the inputs, hidden files and folders and the output
    /// folder left out, sorted by path. With one input folder the outputs mirror its tree; with
    /// several, each folder's tree goes under its own name. A file given directly goes to OUT/NAME.
    public static func listFiles(inputs: [String], outDir: String) throws -> [BatchFile] {
        try list(inputs: inputs, outDir: outDir).files
    }

    /// What a batch found: its files, the folders walked (each ending in "/"), and the folders
    /// that could not be listed (their documents are neither processed nor pruned).
    public struct Listing: Sendable {
        public var files: [BatchFile] = []
        public var roots: [String] = []
        public var unreadable: [String] = []
    }

    public static func list(inputs: [String], outDir: String) throws -> Listing {
        let fm = FileManager.default
        var listing = Listing()
        let outReal = realPath(outDir)
        var files: [BatchFile] = []
        var unreadable: [String] = []
        var prefixes = Set<String>()
        for input in inputs {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: input, isDirectory: &isDir) else {
                throw StoreError("\(input): no such file or folder")
            }
            if !isDir.boolValue {
                let name = (input as NSString).lastPathComponent
                let size = ((try? fm.attributesOfItem(atPath: input))?[.size] as? Int) ?? 0
                files.append(BatchFile(path: input, outputStem: (name as NSString).deletingPathExtension, size: size))
                continue
            }
            if let outReal, realPath(input) == outReal {
                throw StoreError("\(input): the output folder cannot also be an input folder")
            }
            var prefix = ""
            if inputs.count > 1 {
                prefix = (realPath(input).map { ($0 as NSString).lastPathComponent } ?? (input as NSString).lastPathComponent) + "/"
                guard prefixes.insert(prefix).inserted else {
                    throw StoreError("two input folders are named \(prefix.dropLast()); their outputs would mix (batch them apart)")
                }
            }
            let base = input.hasSuffix("/") ? input : input + "/"
            listing.roots.append(base)
            walk(base: base, relative: "", outReal: outReal, unreadable: { unreadable.append($0) }) { rel, size in
                files.append(BatchFile(path: base + rel, outputStem: prefix + (rel as NSString).deletingPathExtension, size: size))
            }
        }
        files.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        listing.files = files
        listing.unreadable = unreadable.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return listing
    }

    private static func walk(base: String, relative: String, outReal: String?, unreadable: (String) -> Void,
                             found: (String, Int) -> Void) {
        let fm = FileManager.default
        let dir = base + relative
        guard let names = try? fm.contentsOfDirectory(atPath: dir) else { unreadable(dir.hasSuffix("/") ? dir : dir + "/"); return }
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where !name.hasPrefix(".") {
            let rel = relative + name
            let full = base + rel
            guard let attrs = try? fm.attributesOfItem(atPath: full) else { continue }
            let type = attrs[.type] as? FileAttributeType
            if type == .typeDirectory {
                if let outReal, realPath(full) == outReal { continue }
                walk(base: base, relative: rel + "/", outReal: outReal, unreadable: unreadable, found: found)
            } else if type == .typeRegular || type == .typeSymbolicLink {
                guard (name as NSString).pathExtension.lowercased() == "txt" else { continue }
                var isDir: ObjCBool = false
                if type == .typeSymbolicLink, !fm.fileExists(atPath: full, isDirectory: &isDir) || isDir.boolValue { continue }
                let size = ((try? fm.attributesOfItem(atPath: full))?[.size] as? Int) ?? 0
                found(rel, size)
            }
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    // MARK: Running

    public func run(onProgress: ((BatchProgress) -> Void)? = nil) throws -> BatchReport {
        let listing = try BatchRunner.list(inputs: options.inputs, outDir: options.outDir)
        let files = listing.files
        let fm = FileManager.default
        try fm.createDirectory(atPath: options.outDir, withIntermediateDirectories: true)
        let store = try Store(path: options.resolvedDBPath)
        let manifest = try store.manifest()
        let fingerprint = processor.rulesFingerprint

        // Two inputs that would write the same output (a.txt and a.TXT, or a root report.txt
        // against the run report) are reported rather than overwriting each other.
        var owners: [String: String] = ["report": "the run report"]
        var collisions: [Int: String] = [:]
        for (i, f) in files.enumerated() {
            let key = f.outputStem.lowercased()
            if let owner = owners[key] {
                collisions[i] = "its outputs \(f.outputStem).txt/.json would overwrite those of \(owner)"
            } else {
                owners[key] = f.path
            }
        }

        var entries = files.map { BatchEntry(path: $0.path, status: .pending, bytes: $0.size) }
        let bytesTotal = files.reduce(0) { $0 + $1.size }
        var next = 0, done = 0, bytesDone = 0
        let start = Date()
        let jobs = max(1, min(options.jobs, max(files.count, 1)))
        let progressLock = NSLock()

        // Threads rather than concurrentPerform, which would cap --jobs at the core count.
        let worker = {
            while true {
                self.lock.lock()
                if self.cancelled || next >= files.count { self.lock.unlock(); return }
                let index = next
                next += 1
                self.lock.unlock()

                let file = files[index]
                let entry = collisions[index].map {
                    BatchEntry(path: file.path, status: .failed, bytes: file.size, kind: "collision", reason: $0)
                } ?? self.processOne(file, store: store, manifest: manifest[file.path], fingerprint: fingerprint)

                progressLock.lock()
                entries[index] = entry
                done += 1
                bytesDone += file.size
                let progress = BatchProgress(done: done, total: files.count, bytesDone: bytesDone, bytesTotal: bytesTotal,
                                             elapsed: Date().timeIntervalSince(start), entry: entry)
                onProgress?(progress)
                progressLock.unlock()
            }
        }
        let group = DispatchGroup()
        for _ in 0..<jobs {
            group.enter()
            let thread = Thread { worker(); group.leave() }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()

        // Documents an earlier run stored from these folders that are gone now: a clean run would
        // have neither their rows nor their outputs.
        var removed: [String] = []
        if !isCancelled {
            let current = Set(files.map(\.path))
            let currentOutputs = Set(files.flatMap { [$0.outputStem + ".txt", $0.outputStem + ".json"] })
            for row in try store.batchDocuments()
            where !current.contains(row.path) && listing.roots.contains(where: { row.path.hasPrefix($0) })
                && !listing.unreadable.contains(where: { row.path.hasPrefix($0) }) {
                removed.append(row.path)
                for rel in [row.restoredPath, row.jsonPath].compactMap({ $0 }) where !currentOutputs.contains(rel) {
                    try? fm.removeItem(atPath: URL(fileURLWithPath: options.outDir).appendingPathComponent(rel).path)
                }
            }
            removed.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            try store.delete(paths: removed)
        }
        try store.finish()
        for dir in listing.unreadable {
            entries.append(BatchEntry(path: dir, status: .failed, bytes: 0, kind: InputError.Kind.unreadable.rawValue,
                                      reason: "folder cannot be listed (permissions?)"))
        }
        entries.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        var report = BatchReport(rulesFingerprint: fingerprint, total: entries.count, ok: 0, skipped: 0, failed: 0, pending: 0,
                                 removed: removed, files: entries)
        for e in entries {
            switch e.status {
            case .ok: report.ok += 1
            case .skipped: report.skipped += 1
            case .failed: report.failed += 1
            case .pending: report.pending += 1
            }
        }
        try AtomicFile.write(try report.jsonData(), to: URL(fileURLWithPath: options.outDir).appendingPathComponent("report.json").path)
        return report
    }

    private func outputPaths(_ file: BatchFile) -> (restoredRel: String, jsonRel: String, restored: String, json: String) {
        let out = URL(fileURLWithPath: options.outDir)
        let r = file.outputStem + ".txt", j = file.outputStem + ".json"
        return (r, j, out.appendingPathComponent(r).path, out.appendingPathComponent(j).path)
    }

    private func processOne(_ file: BatchFile, store: Store, manifest: Store.ManifestEntry?, fingerprint: String) -> BatchEntry {
        var entry = BatchEntry(path: file.path, status: .failed, bytes: file.size)
        let out = outputPaths(file)
        var sha: String?
        do {
            let data = try readBytes(file.path)
            entry.bytes = data.count
            let digest = sha256Hex(data)
            sha = digest
            entry.sha256 = digest

            if let m = manifest, m.sha256 == digest, m.record.rulesFingerprint == fingerprint,
               m.record.restoredPath == out.restoredRel, m.record.jsonPath == out.jsonRel,
               fileHash(out.restored) == m.record.restoredSHA256, let json = try? Data(contentsOf: URL(fileURLWithPath: out.json)),
               sha256Hex(json) == m.record.jsonSHA256 {
                entry.status = .skipped
                entry.restored = out.restoredRel
                entry.json = out.jsonRel
                entry.reason = "unchanged since the last run"
                if let result = try? JSONDecoder().decode(ExtractionResult.self, from: json) { count(result, into: &entry) }
                return entry
            }

            let text = try TextInput.decode(data, path: file.path, maxBytes: options.maxBytes)
            let processed: (restored: String, extraction: ExtractionResult)
            do {
                processed = try processor.process(text: text, path: file.path, sha256: digest)
            } catch {
                throw Failure(kind: "processing", reason: "\(error)")
            }
            var result = processed.extraction
            result.source = .init(path: file.path, sha256: digest)
            var json = try result.jsonData(pretty: true)
            json.append(0x0A)
            // The input's byte order mark goes back on the restored text, as `kehoach restore` does.
            let restored = Data(((TextInput.startsWithByteOrderMark(data) ? "\u{FEFF}" : "") + processed.restored).utf8)
            do {
                try AtomicFile.write(restored, to: out.restored)
                try AtomicFile.write(json, to: out.json)
            } catch {
                throw Failure(kind: "output", reason: "cannot write outputs: \(error.localizedDescription)")
            }
            let record = Store.BatchRecord(rulesFingerprint: fingerprint, restoredPath: out.restoredRel, restoredSHA256: sha256Hex(restored),
                                           jsonPath: out.jsonRel, jsonSHA256: sha256Hex(json))
            do {
                try store.replace(result, batch: record)
            } catch {
                throw Failure(kind: "store", reason: "cannot store: \(error)")
            }
            entry.status = .ok
            entry.restored = out.restoredRel
            entry.json = out.jsonRel
            count(result, into: &entry)
            return entry
        } catch let error as InputError {
            entry.kind = error.kind.rawValue
            entry.reason = error.detail
            entry.byteOffset = error.byteOffset
        } catch let error as Failure {
            entry.kind = error.kind
            entry.reason = error.reason
        } catch {
            entry.kind = "processing"
            entry.reason = "\(error)"
        }
        // A failed document has no outputs, as in a clean run; the store says why.
        try? FileManager.default.removeItem(atPath: out.restored)
        try? FileManager.default.removeItem(atPath: out.json)
        try? store.recordFailure(path: file.path, sha256: sha, kind: entry.kind ?? "processing",
                                 detail: entry.reason ?? "", byteOffset: entry.byteOffset)
        return entry
    }

    private struct Failure: Error { let kind: String; let reason: String }

    private func count(_ r: ExtractionResult, into entry: inout BatchEntry) {
        entry.targets = r.targets.count
        entry.deadlines = r.deadlines.count
        entry.agencies = r.agencies.count
        entry.references = r.references.count
    }

    private func fileHash(_ path: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map(sha256Hex)
    }

    /// The file's bytes, or the InputError TextInput.read would give for it.
    private func readBytes(_ path: String) throws -> Data {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
            throw InputError(path: path, kind: .missing, detail: "no such file", byteOffset: nil)
        }
        if let size = (try? fm.attributesOfItem(atPath: path))?[.size] as? Int, size > options.maxBytes {
            throw InputError(path: path, kind: .tooLarge,
                             detail: "file is \(TextInput.formatBytes(size)), over the \(TextInput.formatBytes(options.maxBytes)) limit for one document",
                             byteOffset: nil)
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError(path: path, kind: .unreadable, detail: "cannot be opened for reading (permissions?)", byteOffset: nil)
        }
        defer { try? handle.close() }
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw InputError(path: path, kind: .unreadable, detail: "read failed: \(error.localizedDescription)", byteOffset: nil)
        }
    }
}
