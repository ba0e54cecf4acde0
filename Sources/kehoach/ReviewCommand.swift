import ArgumentParser
import Foundation
import Kehoach

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Write a review site: each document's OCR and restored text side by side, to accept or correct.",
        discussion: """
        Restores and extracts each FILE (or every .txt under a DIR) and writes to --out a
        static site that opens from disk, with no server or network: index.html lists the
        documents with their counts of changed and uncertain words (select a column's
        name to sort by it), and NAME.html shows the document line by line, the OCR text
        beside the restored text, changed words marked, uncertain ones (confidence under
        90 %) lit, their alternatives on hover and in the editor, and the entities
        extracted, each linked to its line.

        On a document's page, select a word (Tab moves through the changed ones, Enter
        opens one) to accept it or write the right word; "Export corrections" downloads
        NAME.corrections.json. Then
          kehoach restore NAME.txt --apply-corrections NAME.corrections.json -o NAME.vi.txt
        makes the reviewed text again, exactly: the corrections apply to the words they
        were made on, and a word that is no longer there (the rules changed since the
        review) is an error naming its line.

        Examples:
          kehoach review scans/ --out review/      # then open review/index.html
          kehoach review corpus/raw/langson-2021-kh-88.txt --out review/
        A file that cannot be read is listed on the index as not reviewed, and the exit
        status is then 1; the other files are still reviewed.
        """
    )

    @Argument(help: "Text files (or OCR engines' TSV, hOCR, ALTO), or folders whose documents are reviewed.")
    var inputs: [String]

    @Option(name: .customLong("out"), help: ArgumentHelp("Folder for the site (made if missing).", valueName: "DIR"))
    var out: String

    @Option(help: ArgumentHelp("What happened to the text: auto, ocr, ocr-times, stripped or clean (as in restore).", valueName: "PROFILE"))
    var profile: DamageProfile = .auto

    @OptionGroup var encoding: EncodingOption

    @OptionGroup var rules: RulesOption

    func run() throws {
        let dir = try rules.resolve()
        let extractor = try fromRules("review") { Extractor(rules: try ExtractionRules.load(rulesDirectory: dir)) }
        let tables = try EncodingOption.tables(rulesDirectory: dir, command: "review")
        let forced = try encoding.resolve()
        let restorer = try fromRules("review") { try Restorer.load(rulesDirectory: dir) }
        var files: [String] = []
        for input in inputs {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: input, isDirectory: &isDir), isDir.boolValue {
                // the documents batch would read there
                let found = (FileManager.default.enumerator(atPath: input)?.allObjects as? [String] ?? [])
                    .filter { BatchRunner.isDocument(name: ($0 as NSString).lastPathComponent, path: (input as NSString).appendingPathComponent($0)) }
                    .sorted()
                if found.isEmpty { printError("kehoach review: \(input): no documents (*.txt, *.tsv, *.hocr, ALTO *.xml)") }
                files += found.map { (input as NSString).appendingPathComponent($0) }
            } else {
                files.append(input)
            }
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var docs: [ReviewSite.Document] = []
        var failed: [(name: String, reason: String)] = []
        var pages = Set<String>()
        for (i, path) in files.enumerated() {
            if files.count >= 20, i % 20 == 0 { printError("kehoach review: \(i) of \(files.count) documents") }
            do {
                let data = try TextInput.readData(path: path)
                let decoded = try TextInput.decodeText(data, path: path, encoding: forced, tables: tables)
                let raw = decoded.text
                let restoration = restorer.restore(raw, withChanges: true, profile: profile, confidences: decoded.confidences)
                let digest = sha256Hex(data)
                let extraction = extractor.extract(text: restoration.text, path: path, sha256: digest, ocr: raw)
                let name = URL(fileURLWithPath: path).lastPathComponent
                let page = Self.pageName((name as NSString).deletingPathExtension, taken: &pages)
                let doc = ReviewSite.Document(name: name, page: page, input: raw, restoration: restoration, extraction: extraction, sha256: digest)
                try AtomicFile.write(ReviewSite.page(doc), to: (out as NSString).appendingPathComponent(page))
                docs.append(doc)
            } catch {
                let reason = FileError.describe(error, path: path)
                printError("kehoach review: \(reason)")
                failed.append((path, reason))
            }
        }
        try AtomicFile.write(ReviewSite.index(docs, failed: failed), to: (out as NSString).appendingPathComponent("index.html"))
        printError("kehoach review: \(docs.count) documents, \(docs.reduce(0) { $0 + $1.restoration.changes.count }) changed words; open \((out as NSString).appendingPathComponent("index.html"))")
        if !failed.isEmpty { throw ExitCode(1) }
    }

    /// A page name of its own for a document ("x.html"; "x-2.html" for a second x, in any case;
    /// never the index's).
    static func pageName(_ stem: String, taken: inout Set<String>) -> String {
        var page = stem + ".html", n = 2
        while taken.contains(page.lowercased()) || page.lowercased() == "index.html" {
            page = stem + "-\(n).html"; n += 1
        }
        taken.insert(page.lowercased())
        return page
    }
}
