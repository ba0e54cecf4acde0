import ArgumentParser
import Foundation
import Kehoach

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Build and check the rule files under rules/.",
        subcommands: [Check.self, Explain.self, BuildLanguageModel.self, BuildSyllables.self]
    )
}

/// Reads a text file, or a .gz one through gzip, as lines.
func readTextLines(_ path: String, each: (String, Int) -> Void) throws {
    guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("\(path): no such file") }
    if path.hasSuffix(".gz") {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var buffer = Data()
        var index = 0
        let handle = pipe.fileHandleForReading
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let nl = buffer.firstIndex(of: 0x0A) {
                each(String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self), index)
                index += 1
                buffer.removeSubrange(buffer.startIndex...nl)
            }
        }
        if !buffer.isEmpty { each(String(decoding: buffer, as: UTF8.self), index) }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("\(path): gzip failed") }
    } else {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() { each(String(line), i) }
    }
}

struct BuildLanguageModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-lm",
        abstract: "Count syllable n-grams in clean text and write rules/restore/ngrams.bin.",
        discussion: """
        The text is one paragraph per line, UTF-8 (.gz read through gzip). Every
        paragraph whose 0-based line number is a multiple of --hold-out is left out,
        so that those paragraphs can serve as unseen evaluation text
        (scripts/make-ocr-pairs.py uses the same rule).

        The command that built the shipped model (pip install underthesea for the
        word list; rules/README.md):
          kehoach rules build-lm ../shared/text/legal-vi.txt.gz \\
            ../shared/text/legal-vi-extra.txt.gz \\
            ../shared/text-admin/admin-congbot.txt.gz \\
            ../shared/text-admin/admin-luongminh.txt.gz \\
            ../shared/text-admin/admin-binhduong-titles.txt.gz \\
            ../shared/text-admin/admin-wordrec.txt.gz \\
            ../shared/text-admin/legal-policy-lawintech.txt.gz --words VIET74K \\
            --words rules/restore/places.txt --words rules/restore/phrases.txt
        where VIET74K is underthesea's corpus/data/Viet74K.txt. The model of text
        typed without marks, rules/restore/ngrams-general.bin, is the same command
        with ../shared/text-admin/wiki-vi.txt.gz after the text files and
        --min-trigram 5 --out rules/restore/ngrams-general.bin.
        """
    )

    @Argument(help: "Clean text files, one paragraph per line (.txt or .txt.gz).")
    var texts: [String]

    @Option(help: "Where to write the model.")
    var out = "rules/restore/ngrams.bin"

    @Option(help: "Tokens seen fewer times become <unk>.")
    var minCount = 3

    @Option(help: "Bigrams seen fewer times are left to the backoff.")
    var minBigram = 2

    @Option(help: "Trigrams seen fewer times are left to the backoff.")
    var minTrigram = 3

    @Option(help: "Leave out every Nth paragraph (0 keeps all).")
    var holdOut = 50

    @Option(help: ArgumentHelp("A word list, one word per line (e.g. underthesea's Viet74K.txt, Apache-2.0): the syllable pairs inside its words count --word-weight times.", valueName: "FILE"))
    var words: [String] = []

    @Option(help: "How many times a word list's syllable pair counts (2 survives --min-bigram 2).")
    var wordWeight: UInt32 = 2

    @Option(help: ArgumentHelp("Lexicon whose abbreviations (NOTE = expansion of three or more syllables) are also counted contracted: plans write \"đóng BHXH\" where laws write \"đóng bảo hiểm xã hội\". Empty to skip.", valueName: "FILE"))
    var contract = "rules/restore/lexicon.tsv"

    func run() throws {
        let builder = LanguageModelBuilder()
        let contractions = contract.isEmpty ? [] : try Contraction.load(lexicon: contract)
        var contracted = 0
        for path in texts {
            try readTextLines(path) { line, index in
                if holdOut > 0, index % holdOut == 0 { return }
                let paragraph = Normalize.nfc(line)
                builder.add(paragraph: paragraph)
                if let short = Contraction.apply(contractions, to: paragraph) {
                    builder.add(paragraph: short)
                    contracted += 1
                }
            }
            printError("read \(path): \(builder.paragraphs) paragraphs so far")
        }
        for path in words {
            try readTextLines(path) { line, _ in
                if !line.hasPrefix("#") { builder.add(phrase: Normalize.nfc(line), weight: wordWeight) }
            }
            printError("read \(path): \(builder.phrases) multi-syllable words")
        }
        if !contractions.isEmpty { printError("\(contracted) paragraphs also counted with \(contractions.count) abbreviations contracted") }
        let (data, summary) = builder.build(minCount: minCount, minBigram: minBigram, minTrigram: minTrigram)
        try AtomicFile.write(data, to: out)
        print("\(out): \(summary)")
    }
}

struct BuildSyllables: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-syllables",
        abstract: "Write rules/restore/syllables.txt: phonotactically valid syllables that hunspell-vi or the language model attests.",
        discussion: """
        Example (the command that built the shipped list):
          kehoach rules build-syllables --hunspell /usr/share/hunspell/vi_VN.dic \\
            --places rules/restore/places.txt
        """
    )

    @Option(help: "hunspell-vi dictionary (Debian package hunspell-vi).")
    var hunspell = "/usr/share/hunspell/vi_VN.dic"

    @Option(help: "Where to write the list.")
    var out = "rules/restore/syllables.txt"

    @Option(help: "A syllable only the language model attests must have been seen this often.")
    var minCount = 3

    @Option(help: ArgumentHelp("Place names (scripts/make-places.py): their syllables are kept too, even where phonotactics does not make them (Kon, Đắk, Krông). Empty to skip.", valueName: "FILE"))
    var places = "rules/restore/places.txt"

    @OptionGroup var rules: RulesOption

    func run() throws {
        let lm = try LanguageModel.load(path: try rules.resolve().appendingPathComponent("restore/ngrams.bin").path)
        let generated = SyllableInventory.generate()
        let dictionary = try SyllableInventory.hunspellSyllables(path: hunspell)
        var kept: [String] = []
        var fromDictionary = 0, fromText = 0
        for s in generated {
            let inDictionary = dictionary.contains(s)
            let id = lm.id(s)
            let inText = id != LanguageModel.unknown && lm.counts[Int(id)] >= UInt32(minCount)
            if inDictionary || inText { kept.append(s) }
            if inDictionary { fromDictionary += 1 }
            if inText { fromText += 1 }
        }
        let invalidInDictionary = dictionary.filter { !$0.isEmpty && !Vietnamese.isValidSyllable($0) }.count
        var fromPlaces = 0
        if !places.isEmpty {
            var lines: [String] = []
            try readTextLines(places) { line, _ in lines.append(line) }
            let known = Set(kept)
            for syllable in RulesCheck.placeNameSyllables(lines) where !known.contains(syllable) {
                kept.append(syllable)
                fromPlaces += 1
            }
        }
        var text = """
        # Vietnamese syllables restoration may propose, one per line, lower case, tone in traditional place.
        # Generated by phonotactics (Sources/Kehoach/Syllable.swift: onsets × rhymes × tones with the
        # c/k/q, g/gh, ng/ngh rules and stop-final tones) and kept when attested by hunspell-vi
        # (Debian package hunspell-vi, \(hunspell); GPL-2/LGPL-2.1/MPL-1.1) or seen at least \(minCount)
        # times in the language model's training text (public-domain Vietnamese legal text).
        # Rebuild: kehoach rules build-syllables --hunspell \(hunspell) --places \(places)
        # generated \(generated.count), attested by hunspell \(fromDictionary), by text \(fromText), kept \(kept.count);
        # hunspell entries that are not valid syllables (foreign words, abbreviations): \(invalidInDictionary)
        # then the \(fromPlaces) other syllables of the place names in \(places.isEmpty ? "(none)" : places)
        # (Vietnam's administrative units; see that file), after the ones above.

        """
        text += kept.joined(separator: "\n") + "\n"
        try AtomicFile.write(text, to: out)
        print("\(out): generated \(generated.count), kept \(kept.count) (hunspell \(fromDictionary), text \(fromText), places \(fromPlaces))")
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show the candidates restoration weighs for OCR words, with their costs.",
        discussion: """
        For a rule author asking why a word came out as it did: each candidate with
        its channel cost (−ln P(OCR word | candidate), from confusions.tsv) and its
        language-model frequency.

        Example:
          kehoach rules explain x4 hdi Pé ngudi
        """
    )

    @Argument(help: "OCR words.")
    var words: [String]

    @OptionGroup var rules: RulesOption

    func run() throws {
        let restorer = try Restorer.load(rulesDirectory: rules.resolve())
        for word in words {
            print(word)
            for line in restorer.explain(word) { print("  " + line) }
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every rule file under rules/: formats, headers, NFC, duplicates, patterns and their examples.",
        discussion: """
        Reports each problem as FILE:LINE: error: MESSAGE (or, with --format github,
        as a GitHub annotation) and exits 1 when there is any error; warnings do not
        fail.

        Example:
          kehoach rules check
          kehoach rules check --rules /tmp/my-rules --format github
          kehoach rules check --rebalance     # un-pend passing spec cases, pend failing ones
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, github }

    @Option(help: "Output format: text or github.")
    var format: Format = .text

    @Flag(help: "Rewrite rules/extract/cases/*.cases so that passing cases lose their 'pending:' mark and failing ones get one with the actual output (review the diff), then check.")
    var rebalance = false

    @OptionGroup var rules: RulesOption

    func run() throws {
        let dir: URL
        if let explicit = rules.directory { dir = URL(fileURLWithPath: explicit) } else { dir = try rules.resolve() }
        if rebalance {
            for f in try RulesCheck.rebalanceCases(rulesDirectory: dir) {
                printError("rules check: \(f.file): \(f.unpended) pending case(s) now pass, \(f.pended) newly marked pending")
            }
        }
        let found = RulesCheck.run(rulesDirectory: dir)
        for d in found { print(RulesCheck.format(d, github: format == .github)) }
        let errors = found.filter { $0.severity == .error }.count, warnings = found.count - errors
        printError("rules check: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s") in \(dir.path)")
        if errors > 0 { throw ExitCode(1) }
    }
}

/// Abbreviations of the lexicon with their expansions, for counting text as plans write it.
enum Contraction {
    static func load(lexicon path: String) throws -> [(expansion: String, abbreviation: String)] {
        try RestoreModel.readLexicon(path).compactMap { entry in
            let note = entry.note.trimmingCharacters(in: .whitespaces)
            guard entry.kind == "abbreviation", !note.contains("/"), !note.contains("("), !note.contains("\""),
                  note.split(separator: " ").count >= 3 else { return nil }
            return (Normalize.nfc(note.lowercased()), entry.form)
        }
    }

    /// The paragraph with every expansion replaced by its abbreviation, or nil where none occurs.
    static func apply(_ pairs: [(expansion: String, abbreviation: String)], to paragraph: String) -> String? {
        let lower = paragraph.lowercased()
        var text = paragraph
        var changed = false
        for (expansion, abbreviation) in pairs where lower.contains(expansion) {
            text = text.replacingOccurrences(of: expansion, with: abbreviation, options: .caseInsensitive)
            changed = true
        }
        return changed ? text : nil
    }
}
