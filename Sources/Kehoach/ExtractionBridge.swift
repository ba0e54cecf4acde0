import Foundation

/// The one place where CI (`kehoach rules check`, `kehoach eval`) reaches extraction: rule files
/// parsed and their examples run through `ExtractionRules`, documents read through `Extractor`.
enum ExtractionBridge {
    /// Whether this kehoach extracts (it does since the extraction merge; tests that break
    /// extraction rules skip without it).
    static let available = true

    /// Diagnostics for the `.rules`/`.vocab` files of `extractDirectory` (file names relative to it):
    /// every line parsed, every pattern compiled, every example run.
    static func check(extractDirectory: URL, files: [(name: String, text: String)]) -> [RuleDiagnostic]? {
        let (rules, diagnostics) = ExtractionRules.parse(files: files)
        return diagnostics + (rules?.checkExamples() ?? [])
    }

    /// An extractor for restored text. Throws when the rules do not load.
    static func extractor(rulesDirectory: URL) throws -> (@Sendable (_ text: String, _ path: String, _ sha256: String) -> ExtractionResult)? {
        let extractor = Extractor(rules: try ExtractionRules.load(rulesDirectory: rulesDirectory))
        return { text, path, sha in extractor.extract(text: text, path: path, sha256: sha) }
    }
}
