import ArgumentParser
import Foundation
import Kehoach

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore the Vietnamese diacritics an English OCR model lost, line for line.",
        discussion: """
        Writes NFC text with exactly the input's lines and line endings (LF, CRLF,
        CR, U+2028…) and its UTF-8 byte order mark if it had one; numbers, punctuation,
        spacing and words in other scripts are kept, only words change. Reads
        standard input when no FILE is given.

        Examples:
          kehoach restore scan.txt               # restored text on stdout
          kehoach restore scan.txt -o scan.vi.txt --changes scan.changes.json
          kehoach restore raw/*.txt --out-dir restored/
          cat scan.txt | kehoach restore > scan.vi.txt
          kehoach restore old-abc.txt --encoding tcvn3 -o old.txt

        --apply-corrections FILE makes, after restoring, the corrections a reviewer
        exported from `kehoach review`'s page: the reviewed text again, exactly. A
        correction whose word is not where it says (the rules changed since the review)
        fails the file with its line and column, and nothing is written for it.

        The change log (--changes) lists every changed word as JSON: line, column,
        from, to, confidence and alternatives; sort by confidence to review the
        uncertain ones first. A file that is missing, empty, binary or in no encoding
        kehoach reads is reported with its name (and byte offset) and skipped; the exit
        status is then 1, and no output is written for it. A FIFO or device is refused
        as "not a regular file" rather than waited on.

        OCR engines' outputs: Tesseract's TSV, hOCR and ALTO XML (recognised by their
        content, whatever the file is called) are read as the page's text, one line per
        OCR line, with each word's confidence: a word the engine was sure of keeps its
        letters unless the evidence is strong, one it was unsure of is not kept as read
        without it. Line numbers in the change log are those lines'.

        Input encodings: UTF-8; UTF-16 (with or without a byte order mark);
        Windows-1258, TCVN3 (ABC), VNI and VISCII, the legacy Vietnamese encodings of
        old files; and UTF-8 mojibake ("Tá»ˆNH" for "TỈNH"), repaired. The encoding
        is detected (a file not in UTF-8 is read in the legacy encoding that gives the
        most Vietnamese syllables, when that is plainly Vietnamese), and a file read
        as anything but UTF-8 is said on standard error ("read as TCVN3 (ABC)
        (detected: …)"); --encoding NAME forces one. The output is UTF-8.

        --profile says what happened to the text. auto (the default) judges each
        file: text where hardly a word carries a mark and none has digits or symbols
        inside it was typed without diacritics (không dấu: "ke hoach phat trien"),
        and gets its marks back with its letters left alone; anything else is taken
        as OCR output, whose letters may be wrong too. OCR of a page set in a
        Times-like face (Times New Roman, Liberation Serif), where marked vowels come
        out as "i", "l", "ll" ("ngilli" for "người"), is ocr-times and is read with
        the channel learned from such pages. ocr, ocr-times or stripped force one;
        clean gives the text back unchanged. The change log names the profile used.

        With --out-dir, two inputs with the same file name (a/x.txt and b/x.txt) would
        write the same DIR/x.txt: the second is refused with both named (exit 1) and
        the first is still written; restore such files into separate folders.
        """
    )

    @Argument(help: "Text files to restore (standard input when none).")
    var files: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file (one input only).", valueName: "FILE"))
    var output: String?

    @Option(name: .customLong("out-dir"), help: ArgumentHelp("Write each input's restored text to DIR under its own name.", valueName: "DIR"))
    var outDir: String?

    @Option(name: .customLong("changes"), help: ArgumentHelp("Write the changes as JSON to FILE (one input), or NAME.changes.json files into this directory (several inputs).", valueName: "FILE"))
    var changes: String?

    @Option(help: ArgumentHelp("What happened to the text: auto (judged from it), ocr, ocr-times (OCR of a page set in a Times-like face: marks read as i, l, ll), stripped (typed without diacritics) or clean.", valueName: "PROFILE"))
    var profile: DamageProfile = .auto

    @Option(name: .customLong("apply-corrections"), help: ArgumentHelp("Corrections a reviewer exported from `kehoach review`'s page: each is made on the restored text (one input only).", valueName: "FILE"))
    var applyCorrections: String?

    @OptionGroup var encoding: EncodingOption

    @OptionGroup var rules: RulesOption

    func validate() throws {
        if applyCorrections != nil && files.count != 1 { throw ValidationError("--apply-corrections takes one input file, the one reviewed.") }
        if output != nil && outDir != nil { throw ValidationError("-o and --out-dir exclude each other.") }
        if files.count > 1 && outDir == nil { throw ValidationError("Several inputs need --out-dir DIR.") }
        if output != nil && files.count > 1 { throw ValidationError("-o takes one input; use --out-dir for several.") }
    }

    func run() throws {
        let dir = try rules.resolve()
        let tables = try EncodingOption.tables(rulesDirectory: dir, command: "restore")
        let forced = try encoding.resolve()
        let restorer = try fromRules("restore") { try Restorer.load(rulesDirectory: dir) }
        // read before any output is written: a broken corrections file stops the command (exit 2)
        let corrections = try applyCorrections.map { path -> Corrections in
            do { return try Corrections.load(try Data(contentsOf: URL(fileURLWithPath: path)), path: path) } catch {
                printError("kehoach restore: \(error is Corrections.Mismatch ? "\(error)" : FileError.describe(error, path: path))")
                throw ExitCode(2)
            }
        }
        var failures = 0
        let inputs: [String?] = files.isEmpty ? [nil] : files
        // Output names already claimed in this run: a second a/x.txt -> DIR/x.txt is refused.
        var claimed: [String: String] = [:]
        for path in inputs {
            if outDir != nil || (changes != nil && files.count > 1), let path {
                let key = URL(fileURLWithPath: path).lastPathComponent.lowercased()
                if let first = claimed[key] {
                    printError("kehoach restore: \(path): not restored: its output \(URL(fileURLWithPath: path).lastPathComponent) would replace that of \(first); restore them into separate --out-dir folders")
                    failures += 1
                    continue
                }
                claimed[key] = path
            }
            do {
                let name = path ?? "<stdin>"
                let data = try path.map { try TextInput.readData(path: $0) } ?? FileHandle.standardInput.readDataToEndOfFile()
                let decoded = try TextInput.decodeText(data, path: name, encoding: forced, tables: tables)
                if let note = decoded.note { printError("kehoach restore: \(name): \(note)") }
                // corrections restore the text as the review did: same file, same profile
                var chosen = profile
                if let corrections, let applyCorrections {
                    let digest = sha256Hex(data)
                    if let reviewed = corrections.sha256, reviewed != digest {
                        throw Corrections.Mismatch(description: "not restored: \(applyCorrections) was made on another file (\(corrections.document), SHA-256 \(reviewed.prefix(12))…, this file's \(digest.prefix(12))…)")
                    }
                    if let reviewed = corrections.profile {
                        if profile != .auto && profile != reviewed {
                            throw Corrections.Mismatch(description: "not restored: \(applyCorrections) was made on the text restored as \(reviewed.rawValue), not --profile \(profile.rawValue)")
                        }
                        chosen = reviewed
                    }
                }
                let restoration = restorer.restore(decoded.text, withChanges: changes != nil, profile: chosen, confidences: decoded.confidences)
                var text = restoration.text
                if let corrections, let applyCorrections {
                    do { text = try corrections.apply(to: text) } catch {
                        throw Corrections.Mismatch(description: "not restored: \(applyCorrections) does not fit its restored text: \(error)")
                    }
                }
                // The input's byte order mark goes back where it was (restoration sees text without it).
                let restored = TextInput.startsWithByteOrderMark(data) ? "\u{FEFF}" + text : text
                let base = path.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "stdin.txt"
                if let outDir {
                    try AtomicFile.write(restored, to: URL(fileURLWithPath: outDir).appendingPathComponent(base).path)
                } else if let output {
                    try AtomicFile.write(restored, to: output)
                } else {
                    FileHandle.standardOutput.write(Data(restored.utf8))
                }
                if let changes {
                    let target = files.count > 1
                        ? URL(fileURLWithPath: changes).appendingPathComponent((base as NSString).deletingPathExtension + ".changes.json").path
                        : changes
                    try AtomicFile.write(try ChangeLog.json(restoration.changes, source: name, profile: restoration.profile,
                                                            encoding: decoded.reportedEncoding), to: target)
                }
            } catch let error as InputError {
                printError("kehoach restore: \(error)")
                failures += 1
            } catch {
                printError("kehoach restore: \(FileError.describe(error, path: path ?? "<stdin>"))")
                failures += 1
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}

extension DamageProfile: ExpressibleByArgument {}
