import Crypto
import Foundation

/// Turns one document's text into its restored text and extraction. The batch engine knows
/// nothing else of the pipeline; `PipelineProcessor` joins the real stages.
public protocol DocumentProcessor: Sendable {
    /// Changes whenever the outputs for the same input could change (rules, models, code version):
    /// a rerun reprocesses every document whose recorded fingerprint differs.
    var rulesFingerprint: String { get }
    func process(text: String, path: String, sha256: String) throws -> (restored: String, extraction: ExtractionResult)
    /// The same, with the restoration's change log (JSON as `restore --changes` writes it) where
    /// the processor keeps one (batch writes it beside the outputs), and the OCR engine's word
    /// confidences where the input was its TSV or hOCR (`DecodedText.confidences`).
    func processLogged(text: String, path: String, sha256: String, confidences: [Int: Double]?) throws
        -> (restored: String, extraction: ExtractionResult, changeLog: Data?)
    /// Whether `processLogged` gives a change log (a rerun then also wants it on disk).
    var keepsChangeLog: Bool { get }
}

extension DocumentProcessor {
    public var keepsChangeLog: Bool { false }

    public func processLogged(text: String, path: String, sha256: String, confidences: [Int: Double]?) throws
        -> (restored: String, extraction: ExtractionResult, changeLog: Data?) {
        let (restored, extraction) = try process(text: text, path: path, sha256: sha256)
        return (restored, extraction, nil)
    }
}

/// The real pipeline as a processor: restore, then extract from the restored text.
public struct PipelineProcessor: DocumentProcessor {
    public let rulesFingerprint: String
    let restore: @Sendable (String) -> String
    let extract: @Sendable (_ restored: String, _ ocr: String, _ path: String, _ sha256: String) throws -> ExtractionResult
    /// Restoration with its changes (for the change log) and the OCR's word confidences; nil: no log is kept.
    let restoreLogged: (@Sendable (String, [Int: Double]?) -> Restoration)?

    /// `extract` gets the restored text and the text restoration started from.
    public init(rulesFingerprint: String,
                restore: @escaping @Sendable (String) -> String,
                restoreLogged: (@Sendable (String, [Int: Double]?) -> Restoration)? = nil,
                extract: @escaping @Sendable (_ restored: String, _ ocr: String, _ path: String, _ sha256: String) throws -> ExtractionResult) {
        self.rulesFingerprint = rulesFingerprint
        self.restore = restore
        self.restoreLogged = restoreLogged
        self.extract = extract
    }

    public func process(text: String, path: String, sha256: String) throws -> (restored: String, extraction: ExtractionResult) {
        let restored = restore(text)
        return (restored, try extract(restored, text, path, sha256))
    }

    public var keepsChangeLog: Bool { restoreLogged != nil }

    public func processLogged(text: String, path: String, sha256: String, confidences: [Int: Double]?) throws
        -> (restored: String, extraction: ExtractionResult, changeLog: Data?) {
        guard let restoreLogged else {
            let (restored, extraction) = try process(text: text, path: path, sha256: sha256)
            return (restored, extraction, nil)
        }
        let restoration = restoreLogged(text, confidences)
        let extraction = try extract(restoration.text, text, path, sha256)
        return (restoration.text, extraction, try ChangeLog.json(restoration.changes, source: path, profile: restoration.profile))
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

/// The SHA-256 of bytes as lower-case hex: a document's content identity (batch, extract, review, corrections).
public func sha256Hex(_ data: Data) -> String { hex(SHA256.hash(data: data)) }

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
    /// failed: the InputError kind (empty, binary, invalid-utf8, utf-16, not-in-encoding, unreadable, too-large, missing),
    /// "processing" for an error of the pipeline, "output" for one writing results.
    public var kind: String?
    public var reason: String?
    public var byteOffset: Int?
    /// The encoding the input was read from when it was not UTF-8 ("tcvn3", "utf-16le";
    /// TextEncoding): detected, or given with `--encoding`.
    public var encoding: String?
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
    /// Store rows ignored, temporaries of killed runs removed: said, never silently done.
    public var warnings: [String]?
    /// What the run could not do besides files (the store not updated): the run fails.
    public var errors: [String]?
    /// Files in the input folders that are not documents kehoach reads (not *.txt: PDF, DOCX,
    /// images…), listed so that an archivist sees what the run left aside.
    public var notRead: [String]?
    public var files: [BatchEntry]

    public var hasFailures: Bool { failed > 0 || !(errors ?? []).isEmpty }

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
    /// The gazetteer the store resolves places with (default: that of the rules found as usual).
    public var places: Places?
    /// The inputs' encoding (`--encoding`); nil: detected per file.
    public var encoding: TextEncoding?
    /// The tables of rules/encodings/ detection and `encoding` read 8-bit files with.
    public var encodingTables: EncodingTables
    /// Write each document's change log (NAME.changes.json) beside its outputs, where the processor keeps one.
    public var changeLogs = true

    public init(inputs: [String], outDir: String, dbPath: String? = nil,
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount, maxBytes: Int = TextInput.defaultMaxBytes,
                places: Places? = Places.standard, encoding: TextEncoding? = nil, encodingTables: EncodingTables = .none,
                changeLogs: Bool = true) {
        self.inputs = inputs; self.outDir = outDir; self.dbPath = dbPath; self.jobs = jobs; self.maxBytes = maxBytes
        self.places = places
        self.encoding = encoding; self.encodingTables = encodingTables; self.changeLogs = changeLogs
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
        /// Entries that are neither processed nor skipped silently: FIFOs, devices, dangling links
        /// and names that are not UTF-8, each a failed entry with its reason.
        public var problems: [BatchEntry] = []
        /// Regular files that are not *.txt (hidden files aside): not read, but said.
        public var notRead: [String] = []
    }

    public static func list(inputs: [String], outDir: String) throws -> Listing {
        let fm = FileManager.default
        var listing = Listing()
        let outReal = realPath(outDir)
        var files: [BatchFile] = []
        var unreadable: [String] = []
        var problems: [BatchEntry] = []
        var notRead: [String] = []
        var prefixes = Set<String>()
        var seen = Set<String>()
        for input in inputs {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: input, isDirectory: &isDir) else {
                throw StoreError("\(input): no such file or folder")
            }
            if !isDir.boolValue {
                // A file's identity is its canonical folder and its own name (a link is not resolved).
                let name = (input as NSString).lastPathComponent
                let folder = realPath((input as NSString).deletingLastPathComponent.isEmpty ? "." : (input as NSString).deletingLastPathComponent)
                let path = folder.map { ($0 == "/" ? "" : $0) + "/" + name } ?? input
                guard seen.insert(path).inserted else { continue }
                let size = ((try? fm.attributesOfItem(atPath: input))?[.size] as? Int) ?? 0
                files.append(BatchFile(path: path, outputStem: (name as NSString).deletingPathExtension, size: size))
                continue
            }
            // The canonical folder: the same tree given as "in", "./in" or "/abs/in" is one set of documents.
            let canonical = realPath(input) ?? input
            if let outReal, canonical == outReal {
                throw StoreError("\(input): the output folder cannot also be an input folder")
            }
            var prefix = ""
            if inputs.count > 1 {
                prefix = (canonical as NSString).lastPathComponent + "/"
                guard prefixes.insert(prefix).inserted else {
                    throw StoreError("two input folders are named \(prefix.dropLast()); their outputs would mix (batch them apart)")
                }
            }
            let base = canonical.hasSuffix("/") ? canonical : canonical + "/"
            listing.roots.append(base)
            walk(base: base, relative: "", outReal: outReal, unreadable: { unreadable.append($0) },
                 problem: { problems.append($0) }, notRead: { notRead.append(base + $0) }) { rel, size in
                guard seen.insert(base + rel).inserted else { return }
                files.append(BatchFile(path: base + rel, outputStem: prefix + (rel as NSString).deletingPathExtension, size: size))
            }
        }
        files.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        listing.files = files
        listing.unreadable = unreadable.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        listing.problems = problems.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        listing.notRead = notRead.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return listing
    }

    /// Lists a folder with readdir and lstat rather than FileManager, which on Linux mangles
    /// names that are not UTF-8 (the file then vanishes silently) and says nothing of FIFOs,
    /// devices and dangling links. Those are reported when named *.txt; links to folders are not
    /// followed (they could loop).
    /// Whether a file is a document batch and review read: text (*.txt, any case), or an OCR
    /// engine's *.tsv, *.hocr or ALTO *.xml (an XML file is ALTO when its opening says so).
    public static func isDocument(name: String, path: String) -> Bool {
        let lowered = name.lowercased()
        return documentSuffixes.contains { lowered.hasSuffix($0) } || (lowered.hasSuffix(".xml") && isALTO(path))
    }

    /// The endings that make a file a document by its name alone.
    static let documentSuffixes = [".txt", ".tsv", ".hocr"]

    static func isALTO(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4096)) ?? nil
        return head.map { String(decoding: $0, as: UTF8.self).contains("<alto") } ?? false
    }

    private static func walk(base: String, relative: String, outReal: String?, unreadable: (String) -> Void,
                             problem: (BatchEntry) -> Void, notRead: (String) -> Void = { _ in }, found: (String, Int) -> Void) {
        let dir = base + relative
        guard let handle = opendir(dir) else { unreadable(dir.hasSuffix("/") ? dir : dir + "/"); return }
        var names: [[UInt8]] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix(while: { $0 != 0 })) }
            if name.first != 0x2E { names.append(name) }
        }
        let fd = dirfd(handle)
        defer { closedir(handle) }
        func failed(_ path: String, _ kind: String, _ reason: String) {
            problem(BatchEntry(path: path, status: .failed, bytes: 0, kind: kind, reason: reason))
        }
        for bytes in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            var st = stat()
            let listed = (bytes + [0]).withUnsafeBufferPointer {
                $0.withMemoryRebound(to: CChar.self) { fstatat(fd, $0.baseAddress!, &st, AT_SYMLINK_NOFOLLOW) }
            }
            guard listed == 0 else { continue }
            let type = st.st_mode & S_IFMT
            // a document by its name's ending, read from the bytes: a name that is not UTF-8 shows it too
            let ending = String(decoding: bytes.suffix(5), as: UTF8.self).lowercased()
            let isText = bytes.count > 4 && documentSuffixes.contains { ending.hasSuffix($0) }
            guard let name = String(validatingUTF8Bytes: bytes) else {
                if type == S_IFDIR || isText {
                    failed(dir + escapedFileName(bytes) + (type == S_IFDIR ? "/" : ""), "bad-name",
                           "the name is not UTF-8, so it cannot be processed; rename it (e.g. convmv -f cp1258 -t utf8)")
                }
                continue
            }
            let rel = relative + name
            let full = base + rel
            switch type {
            case S_IFDIR:
                if let outReal, realPath(full) == outReal { continue }
                walk(base: base, relative: rel + "/", outReal: outReal, unreadable: unreadable, problem: problem, notRead: notRead, found: found)
            case S_IFREG:
                if isDocument(name: name, path: full) { found(rel, Int(st.st_size)) } else { notRead(rel) }
            case S_IFLNK:
                guard isText else { continue }
                var target = stat()
                if stat(full, &target) != 0 {
                    failed(full, "dangling-link", "symbolic link to a missing file")
                } else if (target.st_mode & S_IFMT) == S_IFREG {
                    found(rel, Int(target.st_size))
                } else if (target.st_mode & S_IFMT) != S_IFDIR {
                    failed(full, InputError.Kind.notRegular.rawValue, TextInput.notRegularFile(full) ?? "not a regular file")
                }
            default:
                if isText { failed(full, InputError.Kind.notRegular.rawValue, TextInput.notRegularFile(full) ?? "not a regular file") }
            }
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    // MARK: Running

    /// Set when OUT/report.json could not be written, saying why; the returned report is then
    /// the only account of the run.
    public private(set) var reportProblem: String?

    public func run(onProgress: ((BatchProgress) -> Void)? = nil) throws -> BatchReport {
        let listing = try BatchRunner.list(inputs: options.inputs, outDir: options.outDir)
        let files = listing.files
        let outDir = options.outDir
        try PosixFile.makeDirectories(outDir)
        let outLock = try OutputFolder.lock(outDir)
        defer { outLock.release() }
        var warnings: [String] = []
        var errors: [String] = []
        for path in OutputFolder.removeStaleTemporaries(outDir) {
            warnings.append("\(path): removed, a temporary file left by a run that was killed")
        }
        let store = try Store(path: options.resolvedDBPath, places: options.places)
        let manifest = try store.manifest()
        let stored = try store.batchDocuments()
        // A forced encoding reads the same bytes as other text: outputs of a run without it (or
        // with another) are not this run's.
        let fingerprint = options.encoding.map { sha256Hex(Data("\(processor.rulesFingerprint)\u{0}encoding=\($0.rawValue)".utf8)) }
            ?? processor.rulesFingerprint
        let current = Set(files.map(\.path))

        // A store can be copied from another OUT or edited: a recorded output path that leaves
        // OUT is never used (neither deleted nor taken as an owner), and the run says so.
        var outputOwners: [String: String] = [:]
        for row in stored {
            for rel in [row.restoredPath, row.jsonPath].compactMap({ $0 }) {
                if OutputFolder.confined(rel, in: outDir) == nil {
                    warnings.append("the store records \"\(rel)\" as an output of \(row.path); it is not inside \(outDir), so it is left alone")
                } else {
                    outputOwners[rel.lowercased()] = row.path
                }
            }
        }
        // Rows of earlier runs given relative folders ("in/a.txt") are the files they name now.
        let canonicalStored = Dictionary(stored.map { ($0.path, BatchRunner.canonicalize($0.path)) }, uniquingKeysWith: { a, _ in a })
        func isThisRuns(_ storedPath: String) -> Bool {
            let path = canonicalStored[storedPath] ?? storedPath
            return current.contains(path) || (listing.roots.contains { path.hasPrefix($0) }
                                              && !listing.unreadable.contains { path.hasPrefix($0) })
        }

        // Two inputs that would write the same output (a.txt and a.TXT, or a root report.txt
        // against the run report) are reported rather than overwriting each other; so is an input
        // whose outputs an earlier run into this OUT made for a document of another folder.
        var owners: [String: String] = ["report": "the run report"]
        var collisions: [Int: String] = [:]
        for (i, f) in files.enumerated() {
            let key = f.outputStem.lowercased()
            if let owner = owners[key] {
                collisions[i] = "its outputs \(f.outputStem).txt/.json would overwrite those of \(owner)"
                continue
            }
            owners[key] = f.path
            if let owner = outputOwners[key + ".txt"] ?? outputOwners[key + ".json"], owner != f.path, !isThisRuns(owner) {
                collisions[i] = "its outputs \(f.outputStem).txt/.json in \(outDir) are those of \(owner), from an earlier run; "
                    + "give another --out, or batch both folders in one run (each then goes under its folder's name)"
            }
        }

        var entries = files.map { BatchEntry(path: $0.path, status: .pending, bytes: $0.size) }
        let bytesTotal = files.reduce(0) { $0 + $1.size }
        var next = 0, done = 0, bytesDone = 0
        let start = Date()
        // What the listing could not take (folders, FIFOs, links, names) is said first, as failures.
        let unlisted = listing.unreadable.map {
            BatchEntry(path: $0, status: .failed, bytes: 0, kind: InputError.Kind.unreadable.rawValue, reason: "folder cannot be listed (permissions?)")
        } + listing.problems
        let progressTotal = files.count + unlisted.count
        for entry in unlisted {
            done += 1
            onProgress?(BatchProgress(done: done, total: progressTotal, bytesDone: 0, bytesTotal: bytesTotal,
                                      elapsed: Date().timeIntervalSince(start), entry: entry))
        }
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
                let progress = BatchProgress(done: done, total: progressTotal, bytesDone: bytesDone, bytesTotal: bytesTotal,
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
            var dropped: [String] = []
            let currentOutputs = Set(files.flatMap { [$0.outputStem + ".txt", $0.outputStem + ".json", Self.changeLog(of: $0.outputStem + ".txt")] })
            for row in stored where !current.contains(row.path) && isThisRuns(row.path) {
                dropped.append(row.path)
                // A row re-keyed from a relative path is the same document, not a removed one.
                if !current.contains(canonicalStored[row.path] ?? row.path) { removed.append(row.path) }
                for rel in [row.restoredPath, row.jsonPath, row.restoredPath.map(Self.changeLog)].compactMap({ $0 }) where !currentOutputs.contains(rel) {
                    guard let full = OutputFolder.confined(rel, in: outDir) else { continue }
                    if let link = OutputFolder.linkedFolder(rel, in: outDir) {
                        warnings.append("\(full) not removed: \(link) is a symbolic link, and batch does not delete through links")
                        continue
                    }
                    if unlink(full) != 0, errno != ENOENT {
                        warnings.append(FileError(path: full, action: "remove", errno: errno).description)
                    }
                }
            }
            removed.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            do { try store.delete(paths: dropped) } catch {
                errors.append("removed documents are still in the store: \(FileError.describe(error, path: store.path))")
            }
        }
        do {
            try store.mergeCopies { path, record in
                guard let json = OutputFolder.confined(record.jsonPath, in: outDir),
                      let data = try? Data(contentsOf: URL(fileURLWithPath: json)), sha256Hex(data) == record.jsonSHA256 else { return nil }
                return try? JSONDecoder().decode(ExtractionResult.self, from: data)
            }
        } catch {
            errors.append("documents found at several paths may be stored more than once: \(FileError.describe(error, path: store.path))")
        }
        try? store.finish()
        entries += unlisted
        entries.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        var report = BatchReport(rulesFingerprint: fingerprint, total: entries.count, ok: 0, skipped: 0, failed: 0, pending: 0,
                                 removed: removed, files: entries)
        report.warnings = warnings.isEmpty ? nil : warnings
        report.errors = errors.isEmpty ? nil : errors
        report.notRead = listing.notRead.isEmpty ? nil : listing.notRead
        for e in entries {
            switch e.status {
            case .ok: report.ok += 1
            case .skipped: report.skipped += 1
            case .failed: report.failed += 1
            case .pending: report.pending += 1
            }
        }
        // Whatever failed before, the report is attempted; when it cannot be written the caller
        // is told why and has the report in hand.
        let reportPath = URL(fileURLWithPath: outDir).appendingPathComponent("report.json").path
        do {
            if let link = OutputFolder.linkedFolder("report.json", in: outDir) { throw FileError(path: link, action: "write", reason: "symbolic link") }
            try AtomicFile.write(try report.jsonData(), to: reportPath)
        } catch {
            reportProblem = FileError.describe(error, path: reportPath)
        }
        return report
    }

    /// An absolute path with its folders resolved as far as they exist: stores written before
    /// documents were keyed by canonical paths hold paths relative to where batch ran.
    static func canonicalize(_ path: String) -> String {
        var head = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var tail: [String] = []
        while !head.isEmpty && head != "/" {
            if let real = realPath(head) { return ([real == "/" ? "" : real] + tail).joined(separator: "/") }
            tail.insert((head as NSString).lastPathComponent, at: 0)
            head = (head as NSString).deletingLastPathComponent
        }
        return "/" + tail.joined(separator: "/")
    }

    private func outputPaths(_ file: BatchFile) -> (restoredRel: String, jsonRel: String, restored: String, json: String, changes: String) {
        let out = URL(fileURLWithPath: options.outDir)
        let r = file.outputStem + ".txt", j = file.outputStem + ".json"
        return (r, j, out.appendingPathComponent(r).path, out.appendingPathComponent(j).path, out.appendingPathComponent(Self.changeLog(of: r)).path)
    }

    /// A document's change log beside its restored text: "sub/x.txt" → "sub/x.changes.json".
    public static func changeLog(of restoredRel: String) -> String {
        (restoredRel.hasSuffix(".txt") ? String(restoredRel.dropLast(4)) : restoredRel) + ".changes.json"
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
               sha256Hex(json) == m.record.jsonSHA256,
               !(options.changeLogs && processor.keepsChangeLog) || FileManager.default.fileExists(atPath: out.changes) {
                entry.status = .skipped
                entry.restored = out.restoredRel
                entry.json = out.jsonRel
                entry.reason = "unchanged since the last run"
                if let result = try? JSONDecoder().decode(ExtractionResult.self, from: json) {
                    count(result, into: &entry)
                    entry.encoding = result.source.encoding
                }
                return entry
            }

            let decoded = try TextInput.decodeText(data, path: file.path, maxBytes: options.maxBytes,
                                                   encoding: options.encoding, tables: options.encodingTables)
            entry.encoding = decoded.reportedEncoding
            var processed: (restored: String, extraction: ExtractionResult, changeLog: Data?)
            do {
                if options.changeLogs || decoded.confidences != nil {
                    processed = try processor.processLogged(text: decoded.text, path: file.path, sha256: digest, confidences: decoded.confidences)
                    if !options.changeLogs { processed.changeLog = nil }
                } else {
                    let (restored, extraction) = try processor.process(text: decoded.text, path: file.path, sha256: digest)
                    processed = (restored, extraction, nil)
                }
            } catch {
                throw Failure(kind: "processing", reason: "\(error)")
            }
            var result = processed.extraction
            result.source = .init(path: file.path, sha256: digest, encoding: decoded.reportedEncoding)
            var json = try result.jsonData(pretty: true)
            json.append(0x0A)
            // The input's byte order mark goes back on the restored text, as `kehoach restore` does.
            let restored = Data(((TextInput.startsWithByteOrderMark(data) ? "\u{FEFF}" : "") + processed.restored).utf8)
            if let link = OutputFolder.linkedFolder(out.restoredRel, in: options.outDir) {
                throw Failure(kind: "output", reason: "\(link) is a symbolic link; batch does not write through links in its output folder")
            }
            do {
                try AtomicFile.write(restored, to: out.restored)
                try AtomicFile.write(json, to: out.json)
                // (no log now: an older one would describe another restoration)
                if let log = processed.changeLog { try AtomicFile.write(log, to: out.changes) } else { unlink(out.changes) }
            } catch {
                throw Failure(kind: "output", reason: FileError.describe(error, path: out.restored))
            }
            let record = Store.BatchRecord(rulesFingerprint: fingerprint, restoredPath: out.restoredRel, restoredSHA256: sha256Hex(restored),
                                           jsonPath: out.jsonRel, jsonSHA256: sha256Hex(json))
            do {
                try store.replace(result, batch: record)
            } catch {
                throw Failure(kind: "store", reason: FileError.describe(error, path: store.path))
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
        if OutputFolder.linkedFolder(out.restoredRel, in: options.outDir) == nil {
            unlink(out.restored)
            unlink(out.json)
            unlink(out.changes)
        }
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
        if let problem = TextInput.notRegularFile(path) {
            throw InputError(path: path, kind: .notRegular, detail: problem, byteOffset: nil)
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
