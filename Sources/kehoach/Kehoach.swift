import ArgumentParser
import Foundation
import Kehoach

@main
struct KehoachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kehoach",
        abstract: "Restore, extract and store Vietnamese government plans read by OCR.",
        discussion: """
        Scans of KẾ HOẠCH and công văn read with an English OCR model lose their
        diacritics ("Thuc hién chinh sich bao hiém x4 hdi"). kehoach restores the text
        line for line ("Thực hiện chính sách bảo hiểm xã hội"), extracts targets,
        deadlines, agencies and referenced decisions as JSON, and stores them in
        SQLite for querying.

        Typical use:
          kehoach restore scan.txt -o scan.restored.txt --changes scan.changes.json
          kehoach extract scan.txt -o scan.json
          kehoach batch archive/ --out results/
          kehoach query targets --db results/kehoach.sqlite --indicator BHYT --year 2025
        """,
        version: kehoachVersion,
        subcommands: [RestoreCommand.self, ExtractCommand.self, BatchCommand.self, ReviewCommand.self, ReportCommand.self, QueryCommand.self, IngestCommand.self,
                      EvalCommand.self, RulesCommand.self, BenchCommand.self]
    )

    /// `kehoach --version` also names the rules and their fingerprint (as batch records it in the
    /// store's rules_fingerprint), so that a result can be traced to the rules that made it;
    /// computed only here, since digesting the rules takes a tenth of a second.
    static func main() {
        if Array(CommandLine.arguments.dropFirst()) == ["--version"] {
            print(kehoachVersion)
            do {
                let dir = try RulesLocator.directory()
                let fingerprint = try RulesFingerprint.compute(directory: dir, version: BatchCommand.pipelineVersion)
                print("rules: \(dir.standardizedFileURL.path) (fingerprint \(fingerprint.prefix(16)), as batch records it)")
            } catch {
                print("rules: \(error)")
            }
            return
        }
        main(nil)
    }
}

/// `kehoach --version`: the release, and the extraction contract its JSON follows (docs/extraction.md).
let kehoachVersion = "kehoach 0.5.0 (extraction contract kehoach.extract/1)"

/// What a command builds from its rules (a Restorer, an Extractor), or exit status 2 with the
/// rules' error: a command without its rules cannot run, which is not an input it could not read (1).
func fromRules<T>(_ command: String, _ make: () throws -> T) throws -> T {
    do { return try make() } catch {
        printError("kehoach \(command): \(error)")
        throw ExitCode(2)
    }
}

/// Options every command that reads rules shares.
struct RulesOption: ParsableArguments {
    @Option(name: .customLong("rules"), help: ArgumentHelp("Rules directory (default: $KEHOACH_RULES, ./rules, or the one beside the binary).", valueName: "DIR"))
    var directory: String?

    /// The rules directory; none found stops the command with exit status 2 (the program cannot run),
    /// not 1 (an input it could not read).
    func resolve() throws -> URL {
        do { return try RulesLocator.directory(explicit: directory) } catch let missing as RulesLocator.NotFound {
            printError("kehoach: \(missing)")
            throw ExitCode(2)
        }
    }
}

/// `--encoding NAME`: the inputs' encoding, instead of detecting it (restore, extract, batch).
struct EncodingOption: ParsableArguments {
    @Option(name: .customLong("encoding"), help: ArgumentHelp("The inputs' encoding, instead of detecting it: auto (the default), \(TextEncoding.names). Output is UTF-8.", valueName: "NAME"))
    var name: String?

    func validate() throws { _ = try resolve() }

    /// The encoding named, or nil to detect it.
    func resolve() throws -> TextEncoding? {
        guard let name, name.lowercased() != "auto" else { return nil }
        guard let e = TextEncoding(name: name) else {
            throw ValidationError("--encoding \(name): unknown encoding; give one of auto, \(TextEncoding.names)")
        }
        return e
    }

    /// The tables of RULES/encodings/; a broken table stops the command (exit 2) with its file and line.
    static func tables(rulesDirectory: URL, command: String) throws -> EncodingTables {
        do { return try EncodingTables.load(rulesDirectory: rulesDirectory) } catch {
            printError("kehoach \(command): \(error)")
            throw ExitCode(2)
        }
    }
}

/// `--param NAME=VALUE`: restoration weights overridden for an experiment (eval, bench).
struct RestoreParameterOption: ParsableArguments {
    @Option(name: .customLong("param"), help: ArgumentHelp("Override a restoration weight for an experiment (NAME=VALUE; names: \(Restorer.parameterNames.joined(separator: ", "))).", valueName: "NAME=VALUE"))
    var parameters: [String] = []

    /// Refuses a malformed or unknown NAME=VALUE before any work starts.
    func validate() throws { _ = try named() }

    func apply(to restorer: Restorer) throws {
        for (name, value) in try named() {
            guard restorer.setParameter(name, value) else { throw ValidationError("--param \(name): a weight the restorer does not take") }
        }
    }

    /// The NAME=VALUE pairs, each NAME one of `Restorer.parameterNames`.
    private func named() throws -> [(name: String, value: Double)] {
        try parameters.map { p in
            let parts = p.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = Double(parts[1]), Restorer.parameterNames.contains(parts[0]) else {
                throw ValidationError("--param \(p): expected NAME=VALUE with NAME one of \(Restorer.parameterNames.joined(separator: ", "))")
            }
            return (parts[0], value)
        }
    }
}

/// Prints to standard error, where diagnostics go so that standard output stays data.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
