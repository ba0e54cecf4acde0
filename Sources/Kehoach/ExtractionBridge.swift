import Foundation

/// The one place where CI (`kehoach rules check`, `kehoach eval`) reaches extraction: rule files
/// parsed and their examples run through `ExtractionRules`, documents read through `Extractor`.
enum ExtractionBridge {
    /// Whether this kehoach extracts (it does since the extraction merge; tests that break
    /// extraction rules skip without it).
    static let available = true

    /// Diagnostics for the `.rules`/`.vocab` files of `extractDirectory` (file names relative to it):
    /// every line parsed, every pattern compiled, every example run.
    /// `cases`: the spec cases (extract/cases/*.cases), run through an extractor of these rules.
    static func check(extractDirectory: URL, files: [(name: String, text: String)],
                      cases: [(name: String, text: String)] = []) -> [RuleDiagnostic]? {
        let (rules, diagnostics) = ExtractionRules.parse(files: files)
        guard let rules else { return diagnostics }
        let (parsed, problems) = ExtractCases.load(files: cases)
        let outcomes = ExtractCases.run(parsed, extractor: Extractor(rules: rules))
        return diagnostics + vocabularyConflicts(rules) + rules.checkExamples() + problems + ExtractCases.diagnostics(outcomes)
    }

    /// A spelling listed twice in one vocabulary: an error when the two entries give it different
    /// canonical forms (which one wins depends on file order), a warning when it is a plain repeat.
    static func vocabularyConflicts(_ rules: ExtractionRules) -> [RuleDiagnostic] {
        var out: [RuleDiagnostic] = []
        for (_, vocab) in rules.vocabularies.sorted(by: { $0.key < $1.key }) {
            var seen: [String: (canonical: String, line: Int)] = [:]
            for entry in vocab.entries {
                for spelling in entry.spellings {
                    if let first = seen[spelling] {
                        if first.line == entry.line { continue }
                        if first.canonical == entry.canonical {
                            out.append(RuleDiagnostic(file: vocab.file, line: entry.line, severity: .warning,
                                                      message: "'\(spelling)' is already listed at line \(first.line)"))
                        } else {
                            out.append(RuleDiagnostic(file: vocab.file, line: entry.line,
                                                      message: "'\(spelling)' means '\(entry.canonical)' here but '\(first.canonical)' at line \(first.line)"))
                        }
                    } else {
                        seen[spelling] = (entry.canonical, entry.line)
                    }
                }
            }
        }
        return out
    }

    /// An extractor for restored text. Throws when the rules do not load.
    /// `ocr`: the text restoration started from, if any.
    static func extractor(rulesDirectory: URL) throws -> (@Sendable (_ text: String, _ ocr: String?, _ path: String, _ sha256: String) -> ExtractionResult)? {
        let extractor = Extractor(rules: try ExtractionRules.load(rulesDirectory: rulesDirectory))
        return { text, ocr, path, sha in extractor.extract(text: text, path: path, sha256: sha, ocr: ocr) }
    }
}
