import Foundation

/// The one place where CI (`kehoach rules check`, `kehoach eval`) reaches extraction.
///
/// MERGE POINT (issue 5): until the extraction branch is merged this reports extraction as not
/// built in; after the merge it calls `ExtractionRules.load/parse`, `checkExamples()` and
/// `Extractor`. Nothing else in RulesCheck.swift or EvalRun.swift names extraction types.
enum ExtractionBridge {
    /// False until extraction is merged: eval then has no extraction metrics and says so.
    static let available = false

    /// Diagnostics for the `.rules`/`.vocab` files of `extractDirectory` (file names relative to it):
    /// every pattern compiled, every example run. Nil when extraction is not built in.
    static func check(extractDirectory: URL, files: [(name: String, text: String)]) -> [RuleDiagnostic]? {
        nil
    }

    /// An extractor for restored text, or nil when extraction is not built in. Throws when the rules do not load.
    static func extractor(rulesDirectory: URL) throws -> (@Sendable (_ text: String, _ path: String, _ sha256: String) -> ExtractionResult)? {
        nil
    }
}
