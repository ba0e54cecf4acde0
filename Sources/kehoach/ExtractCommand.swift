import ArgumentParser
import Foundation
import Kehoach

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract the header, references, targets, deadlines and agencies of plans as JSON.",
        discussion: """
        Each input is restored first (unless --restored), then read with the patterns
        and vocabularies of rules/extract/. The output is the contract of
        docs/extraction.md.

        Examples:
          kehoach extract scan.txt                          # JSON on standard output
          kehoach extract scan.txt -o scan.json
          kehoach extract --restored corpus/gold/*.gold.txt --out-dir out/   # NAME.json per input
          kehoach extract --jsonl a.txt b.txt > all.jsonl   # one compact object per line
          find archive -name '*.txt' | kehoach extract --jsonl   # paths on stdin: a streaming map step

        Inputs may be UTF-8, UTF-16, Windows-1258, TCVN3 (ABC), VNI or VISCII, or UTF-8
        mojibake (repaired): the encoding is detected, or forced with --encoding NAME,
        and one other than UTF-8 is given in the JSON as source.encoding.

        A file that is missing, empty, binary or in no encoding kehoach reads is
        reported on standard error with its name and skipped; the others are still processed, and the exit
        status is then 1. Output files are written atomically, so a failed input
        leaves no partial file. A FIFO or device is refused as "not a regular file"
        rather than waited on.

        With --jsonl (the map step of a cluster job, docs/scale-out.md) a file that
        cannot be read gives an error record on its line instead, {"schema":
        "kehoach.extract/1", "source": {"path": …}, "error": {"kind": "empty",
        "reason": …}}, which `kehoach ingest` stores as a failed document, and the exit
        status stays 0: every input has its line. The exit status is 2 only when the
        command cannot run at all (no rules, broken rules), so that a job fails loudly.
        source.sha256 is the digest of the file's bytes, as batch stores it.

        With --out-dir, two inputs that give the same NAME.json (a/x.txt and b/x.txt)
        would overwrite each other: the second is refused with both named (exit 1)
        and the first is still written; extract such files into separate folders.
        """
    )

    @Argument(help: "Text files to extract from (with --jsonl and none given: paths one per line on standard input).")
    var files: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file (one input only).", valueName: "FILE"))
    var output: String?

    @Option(name: .customLong("out-dir"), help: ArgumentHelp("Write NAME.json for each input into DIR.", valueName: "DIR"))
    var outDir: String?

    @Flag(help: "One compact JSON object per line on standard output.")
    var jsonl = false

    @Flag(help: "The input is already restored text: skip restoration.")
    var restored = false

    @OptionGroup var encoding: EncodingOption

    @OptionGroup var rules: RulesOption

    func validate() throws {
        if output != nil && outDir != nil { throw ValidationError("-o and --out-dir exclude each other.") }
        if output != nil && files.count > 1 { throw ValidationError("-o takes one input; use --out-dir or --jsonl for several.") }
        if files.isEmpty && !jsonl { throw ValidationError("Give FILE arguments, or --jsonl to read paths from standard input.") }
        if files.count > 1 && outDir == nil && !jsonl { throw ValidationError("Several inputs need --out-dir DIR or --jsonl.") }
    }

    func run() throws {
        let dir = try rules.resolve()
        let extractor = try fromRules("extract") { Extractor(rules: try ExtractionRules.load(rulesDirectory: dir)) }
        let tables = try EncodingOption.tables(rulesDirectory: dir, command: "extract")
        let forced = try encoding.resolve()
        let restorer = restored ? nil : try fromRules("extract") { try Restorer.load(rulesDirectory: dir) }
        if let outDir { try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true) }
        var failures = 0
        var paths = files
        if paths.isEmpty {
            while let line = readLine() {
                let p = line.trimmingCharacters(in: .whitespaces)
                if !p.isEmpty { paths.append(p) }
            }
        }
        // Output names already claimed in this run: a second a/x.txt -> DIR/x.json is refused.
        var claimed: [String: String] = [:]
        for path in paths {
            if outDir != nil && !jsonl {
                let key = Self.outputName(path).lowercased()
                if let first = claimed[key] {
                    printError("kehoach extract: \(path): not extracted: its output \(Self.outputName(path)) would replace that of \(first); extract them into separate --out-dir folders")
                    failures += 1
                    continue
                }
                claimed[key] = path
            }
            var read: String?   // the digest of the file's bytes, once they are read
            do {
                let data = try TextInput.readData(path: path)
                // the file's bytes, as batch keys a document's content
                let digest = sha256Hex(data)
                read = digest
                let decoded = try TextInput.decodeText(data, path: path, encoding: forced, tables: tables)
                let raw = decoded.text
                let text = restorer.map { $0.restore(raw, withChanges: false, confidences: decoded.confidences).text } ?? raw
                var result = extractor.extract(text: text, path: path, sha256: digest, ocr: restorer == nil ? nil : raw)
                result.source.encoding = decoded.reportedEncoding
                if jsonl {
                    var data = try result.jsonData(pretty: false)
                    data.append(0x0A)
                    FileHandle.standardOutput.write(data)
                } else {
                    var data = try result.jsonData(pretty: true)
                    data.append(0x0A)
                    if let output {
                        try AtomicFile.write(data, to: output)
                    } else if let outDir {
                        try AtomicFile.write(data, to: URL(fileURLWithPath: outDir).appendingPathComponent(Self.outputName(path)).path)
                    } else {
                        FileHandle.standardOutput.write(data)
                    }
                }
            } catch {
                printError("kehoach extract: \(FileError.describe(error, path: path))")
                if jsonl {
                    FileHandle.standardOutput.write(Self.errorRecord(path: path, sha256: read, error: error))
                } else {
                    failures += 1
                }
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// The line --jsonl writes for an input it could not read: its path and why, as batch reports it.
    static func errorRecord(path: String, sha256: String?, error: Error) -> Data {
        struct Record: Encodable {
            struct Source: Encodable { let path: String; let sha256: String? }
            struct Failure: Encodable { let kind: String; let reason: String; let byteOffset: Int? }
            let schema = "kehoach.extract/1"
            let source: Source
            let error: Failure
        }
        let failure: Record.Failure
        if let e = error as? InputError {
            failure = .init(kind: e.kind.rawValue, reason: e.detail, byteOffset: e.byteOffset)
        } else {
            failure = .init(kind: "processing", reason: FileError.describe(error, path: path), byteOffset: nil)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = (try? encoder.encode(Record(source: .init(path: path, sha256: sha256), error: failure))) ?? Data()
        data.append(0x0A)
        return data
    }

    /// NAME.json for an input: "x/langson.gold.txt" and "x/langson.txt" both give "langson.json".
    static func outputName(_ path: String) -> String {
        var name = URL(fileURLWithPath: path).lastPathComponent
        for suffix in [".gold.txt", ".restored.txt", ".txt", ".md"] where name.hasSuffix(suffix) {
            name = String(name.dropLast(suffix.count)); break
        }
        return name + ".json"
    }
}
