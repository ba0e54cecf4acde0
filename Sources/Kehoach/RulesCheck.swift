import Foundation

/// `kehoach rules check`: reads every file under rules/ the way the program will, and reports each
/// problem at its file and line, so that a rule edit that would break restoration or extraction
/// fails in review rather than in production.
///
/// Checked: every text rule file starts with a `#` header saying what it is for and is NFC;
/// syllables.txt holds valid (or place-name), canonical, unique syllables; places.txt has a kind of
/// unit and a name per line; phrases.txt unique terms of two or more words; lexicon.tsv has FORM<TAB>KIND rows with
/// a known kind, no form twice, and no form that is itself a Vietnamese syllable (it would lose its
/// diacritics everywhere); confusions.tsv (and confusions-times.tsv, the channel of Times-like pages) has four columns, 0–2 characters each side, whole counts,
/// finite non-negative costs and no pair twice; ngrams.bin loads; extraction patterns compile and
/// their examples pass; encodings/*.tsv are well-formed byte tables that give every Vietnamese letter.
public enum RulesCheck {
    /// Files `rules check` reads as data but does not require a header of.
    static let documentationSuffixes = [".md", ".txt.license"]

    public static func run(rulesDirectory: URL) -> [RuleDiagnostic] {
        var out: [RuleDiagnostic] = []
        let fm = FileManager.default
        let root = rulesDirectory.standardizedFileURL
        func display(_ relative: String) -> String { displayPath(root.appendingPathComponent(relative)) }

        guard let enumerator = fm.enumerator(atPath: root.path) else {
            return [RuleDiagnostic(file: displayPath(root), line: 1, message: "cannot read the rules directory")]
        }
        var files: [String] = []
        while let next = enumerator.nextObject() as? String {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: root.appendingPathComponent(next).path, isDirectory: &isDir), !isDir.boolValue,
               !(next as NSString).lastPathComponent.hasPrefix(".") {
                files.append(next)
            }
        }
        files.sort()
        for required in ["restore/ngrams.bin", "restore/confusions.tsv", "restore/syllables.txt", "restore/lexicon.tsv"]
        where !files.contains(required) {
            out.append(RuleDiagnostic(file: display(required), line: 1, message: "missing: restoration needs this file"))
        }

        // Syllables of place names may lie outside phonotactics ("kon", "đắk"): syllables.txt keeps them.
        let placeSyllables = (try? String(contentsOf: root.appendingPathComponent("restore/places.txt"), encoding: .utf8))
            .map { Set(placeNameSyllables($0.split(separator: "\n").map(String.init))) } ?? []
        var extractFiles: [(name: String, text: String)] = []
        var caseFiles: [(name: String, text: String)] = []
        var placeFiles: [String: (file: String, text: String)] = [:]
        for relative in files {
            let file = display(relative)
            if documentationSuffixes.contains(where: { relative.hasSuffix($0) }) { continue }
            if relative.hasSuffix(".bin") {
                // (ngrams-general.bin is optional: text typed without marks is then decoded with ngrams.bin alone)
                if relative == "restore/ngrams.bin" || relative == "restore/ngrams-general.bin" {
                    out += checkLanguageModel(path: root.appendingPathComponent(relative).path, file: file)
                } else {
                    out.append(RuleDiagnostic(file: file, line: 1, severity: .warning, message: "unknown binary file: nothing reads it"))
                }
                continue
            }
            guard let data = fm.contents(atPath: root.appendingPathComponent(relative).path) else {
                out.append(RuleDiagnostic(file: file, line: 1, message: "cannot read"))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                out.append(RuleDiagnostic(file: file, line: 1, message: "not UTF-8 text"))
                continue
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
            out += checkCommon(lines: lines, file: file)
            switch relative {
            case "restore/syllables.txt": out += checkSyllables(lines: lines, file: file, placeSyllables: placeSyllables)
            case "restore/places.txt": out += checkPlaces(lines: lines, file: file)
            case "restore/phrases.txt": out += checkPhrases(lines: lines, file: file)
            case "restore/fixed-phrases.txt": out += checkFixedPhrases(lines: lines, file: file)
            case "restore/place-openers.txt": out += checkPlaceOpeners(lines: lines, file: file)
            case "restore/body-names.txt": out += checkBodyNames(lines: lines, file: file)
            case "restore/lexicon.tsv": out += checkLexicon(lines: lines, file: file)
            case "restore/confusions.tsv", "restore/confusions-times.tsv": out += checkConfusions(lines: lines, file: file)
            case "places/units.tsv", "places/provinces-2025.tsv": placeFiles[relative] = (file, text)
            default:
                if relative.hasPrefix("encodings/"), relative.hasSuffix(".tsv") {
                    out += checkEncodingTable(text: text, name: String(relative.dropFirst("encodings/".count).dropLast(4)), file: file)
                } else if relative.hasPrefix("extract/cases/"), relative.hasSuffix(".cases") {
                    caseFiles.append((String(relative.dropFirst("extract/".count)), text))
                } else if relative.hasPrefix("extract/"), relative.hasSuffix(".rules") || relative.hasSuffix(".vocab") {
                    extractFiles.append((String(relative.dropFirst("extract/".count)), text))
                } else {
                    out.append(RuleDiagnostic(file: file, line: 1, severity: .warning, message: "unknown rule file: nothing reads it"))
                }
            }
        }
        out += checkPlaceUnits(units: placeFiles["places/units.tsv"], provinces: placeFiles["places/provinces-2025.tsv"])
        let extractDir = root.appendingPathComponent("extract")
        if ExtractionBridge.available && extractFiles.isEmpty {
            out.append(RuleDiagnostic(file: displayPath(extractDir), line: 1, message: "no extraction rules (.rules and .vocab files): extraction would find nothing"))
        }
        if !extractFiles.isEmpty, let found = ExtractionBridge.check(extractDirectory: extractDir, files: extractFiles, cases: caseFiles) {
            out += found.map {
                let file = $0.file.hasPrefix("/") ? displayPath(URL(fileURLWithPath: $0.file))
                    : displayPath(extractDir.appendingPathComponent($0.file))
                return RuleDiagnostic(file: file, line: max($0.line, 1), severity: $0.severity, message: $0.message)
            }
        }
        return out.sorted { ($0.file, $0.line) < ($1.file, $1.line) }
    }

    /// `rules check --rebalance`: every cases file under extract/cases rewritten so that passing cases
    /// lose their `pending:` mark and failing ones get one with the actual output (for review).
    /// Returns (file, pending-now-passing count, newly-pending count) per file changed.
    public static func rebalanceCases(rulesDirectory: URL) throws -> [(file: String, unpended: Int, pended: Int)] {
        let root = rulesDirectory.standardizedFileURL
        let dir = root.appendingPathComponent("extract/cases")
        let extractor = Extractor(rules: try ExtractionRules.load(rulesDirectory: root))
        var out: [(file: String, unpended: Int, pended: Int)] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for name in names.sorted() where name.hasSuffix(".cases") {
            let url = dir.appendingPathComponent(name)
            let text = try String(contentsOf: url, encoding: .utf8)
            let (cases, _) = ExtractCases.load(files: [("cases/" + name, text)])
            let outcomes = ExtractCases.run(cases, extractor: extractor)
            let unpended = outcomes.filter { $0.passed && $0.testCase.pending != nil }.count
            let pended = outcomes.filter { !$0.passed && $0.testCase.pending == nil }.count
            if unpended + pended == 0 { continue }
            try ExtractCases.rebalance(text: text, outcomes: outcomes).write(to: url, atomically: true, encoding: .utf8)
            out.append((displayPath(url), unpended, pended))
        }
        return out
    }

    /// A path as a reviewer (and GitHub's annotations) want it: relative to the working directory when under it.
    static func displayPath(_ url: URL) -> String {
        let path = url.standardizedFileURL.path
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        if path.hasPrefix(cwd + "/") { return String(path.dropFirst(cwd.count + 1)) }
        return path
    }

    /// Header comment, NFC, no stray byte-order mark.
    static func checkCommon(lines: [String], file: String) -> [RuleDiagnostic] {
        var out: [RuleDiagnostic] = []
        let first = lines.first ?? ""
        if first.hasPrefix("\u{FEFF}") {
            out.append(RuleDiagnostic(file: file, line: 1, message: "starts with a byte-order mark; save as plain UTF-8"))
        }
        let firstText = first.trimmingCharacters(in: CharacterSet(charactersIn: "\u{FEFF}"))
        if !firstText.hasPrefix("#") || firstText.dropFirst().trimmingCharacters(in: .whitespaces).isEmpty {
            out.append(RuleDiagnostic(file: file, line: 1, message: "missing header: the file must start with a # comment saying what it is for"))
        }
        for (i, line) in lines.enumerated() where !Normalize.isNFC(line) {
            out.append(RuleDiagnostic(file: file, line: i + 1, message: "not in Unicode NFC (decomposed marks?): '\(Normalize.nfc(line))'"))
        }
        return out
    }

    static func isComment(_ line: String) -> Bool {
        let t = line.trimmingCharacters(in: .whitespaces)
        return t.isEmpty || t.hasPrefix("#")
    }

    static let placeKinds: Set<String> = ["thành phố", "tỉnh", "huyện", "quận", "thị xã", "thị trấn", "phường", "xã", "đặc khu"]

    /// A line of places.txt as (kind of unit, words of the name); nil when it does not start with a
    /// kind or has no name. (Restoration reads the file, checked NFC, with `PlaceNames.place` alone.)
    static func place(_ line: String) -> (kind: String, name: [Substring])? {
        PlaceNames.place(Normalize.nfc(line))
    }

    /// The syllables of the names in places.txt, in order of first appearance: what
    /// `kehoach rules build-syllables --places` adds, and what syllables.txt may hold beyond phonotactics.
    public static func placeNameSyllables(_ lines: [String]) -> [String] {
        var seen = Set<String>(), out: [String] = []
        for line in lines where !isComment(line) {
            for word in place(line)?.name ?? [] {
                let key = TokenKey.word(String(word))
                guard key.unicodeScalars.count >= 2, key.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic }),
                      seen.insert(key).inserted else { continue }
                out.append(key)
            }
        }
        return out
    }

    static func checkPlaces(lines: [String], file: String) -> [RuleDiagnostic] {
        var out: [RuleDiagnostic] = []
        var seen: [String: Int] = [:]
        for (i, line) in lines.enumerated() where !isComment(line) {
            let n = i + 1
            if let first = firstLine(of: line, n, &seen) {
                out.append(RuleDiagnostic(file: file, line: n, message: "duplicate place '\(line)' (first at line \(first))"))
                continue
            }
            guard let (_, name) = place(line) else {
                out.append(RuleDiagnostic(file: file, line: n, message: "'\(line)': expected the kind of unit in lower case (\(placeKinds.sorted().joined(separator: ", "))) and then the name"))
                continue
            }
            // restoration keys the names by their lower case alone (PlaceNames): tones where the model keys them
            for word in name where TokenKey.word(String(word)) != word.lowercased() && word.allSatisfy(\.isLetter) {
                out.append(RuleDiagnostic(file: file, line: n, message: "'\(word)': write its tone where the language model keys it ('\(TokenKey.word(String(word)))')"))
            }
        }
        return out
    }

    /// places/: both files parse, and every province of provinces-2025.tsv (either column) is one
    /// units.tsv has, each old one merged where units.tsv puts its communes.
    static func checkPlaceUnits(units: (file: String, text: String)?, provinces: (file: String, text: String)?) -> [RuleDiagnostic] {
        guard units != nil || provinces != nil else { return [] }
        guard let units, let provinces else {
            let present = (units ?? provinces)!.file
            return [RuleDiagnostic(file: present, line: 1, message: "places/units.tsv and places/provinces-2025.tsv go together: one is missing")]
        }
        do { _ = try Places(units: units.text, provinces2025: provinces.text) } catch {
            return [RuleDiagnostic(file: provinces.file, line: 1, message: "\(error)")]
        }
        var newOf: [String: Set<String>] = [:]
        for line in units.text.split(separator: "\n") where !line.hasPrefix("#") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            newOf[c[0], default: []].insert(c[3])
        }
        let known = Set(newOf.keys).union(newOf.values.flatMap { $0 })
        var out: [RuleDiagnostic] = []
        for (i, line) in provinces.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.hasPrefix("#") && !line.isEmpty {
            let c = line.split(separator: "\t").map(String.init)
            if !known.contains(c[1]) {
                out.append(RuleDiagnostic(file: provinces.file, line: i + 1, message: "'\(c[1])': no province of that name in units.tsv"))
            } else if let news = newOf[c[0]], news != [c[1]] {
                out.append(RuleDiagnostic(file: provinces.file, line: i + 1, message: "'\(c[0])' merged into '\(c[1])', but units.tsv puts its communes in \(news.sorted().joined(separator: ", "))"))
            }   // an old province units.tsv does not have is a former name (Thừa Thiên Huế)
        }
        return out
    }

    /// The line `key` was first seen on, or nil when this is the first time (it is then recorded at `line`).
    static func firstLine(of key: String, _ line: Int, _ seen: inout [String: Int]) -> Int? {
        if let first = seen[key] { return first }
        seen[key] = line
        return nil
    }

    /// encodings/NAME.tsv: the table of an 8-bit encoding kehoach reads (tcvn3, vni, viscii), each
    /// line well formed, no bytes twice, and every Vietnamese letter (small and capital) decodable.
    static func checkEncodingTable(text: String, name: String, file: String) -> [RuleDiagnostic] {
        guard let encoding = TextEncoding(rawValue: name), encoding.tableName != nil else {
            let known = TextEncoding.allCases.compactMap(\.tableName).joined(separator: ", ")
            return [RuleDiagnostic(file: file, line: 1, severity: .warning, message: "unknown encoding table: nothing reads it (tables: \(known))")]
        }
        let (table, problems) = ByteTable.parse(text, encoding: encoding)
        var out = problems.map { RuleDiagnostic(file: file, line: $0.line, message: $0.message) }
        let missing = table.missingLetters()
        if !missing.isEmpty {
            out.append(RuleDiagnostic(file: file, line: 1, message: "no bytes for \(missing.count) Vietnamese letter(s): \(missing.joined(separator: " "))"))
        }
        return out
    }

    /// phrases.txt: terms the language model counts like dictionary words; one word would add nothing.
    static func checkPhrases(lines: [String], file: String) -> [RuleDiagnostic] {
        var out: [RuleDiagnostic] = []
        var seen: [String: Int] = [:]
        for (i, line) in lines.enumerated() where !isComment(line) {
            let n = i + 1
            let term = line.trimmingCharacters(in: .whitespaces)
            if let first = firstLine(of: term, n, &seen) {
                out.append(RuleDiagnostic(file: file, line: n, message: "duplicate term '\(term)' (first at line \(first))"))
                continue
            }
            if term.split(separator: " ").count < 2 {
                out.append(RuleDiagnostic(file: file, line: n, message: "'\(term)': a term of two or more words (one word adds no pair to count)"))
            }
        }
        return out
    }

    /// fixed-phrases.txt: phrases restoration puts back whole; four words or more (shorter ones are
    /// met by chance), each a valid syllable, one of them unmarked (where a short phrase is looked for).
    static func checkFixedPhrases(lines: [String], file: String) -> [RuleDiagnostic] {
        var out: [RuleDiagnostic] = []
        var seen: [String: Int] = [:]
        for (i, line) in lines.enumerated() where !isComment(line) {
            let n = i + 1
            let phrase = RestoreModel.FixedPhrase(line.trimmingCharacters(in: .whitespaces))
            if let first = firstLine(of: phrase.folded.joined(separator: " "), n, &seen) {
                out.append(RuleDiagnostic(file: file, line: n, message: "duplicate phrase (first at line \(first))"))
                continue
            }
            if phrase.written.count < 4 {
                out.append(RuleDiagnostic(file: file, line: n, message: "a fixed phrase needs four words or more: shorter ones are met by chance"))
            }
            for w in phrase.written where !Vietnamese.isValidSyllable(TokenKey.word(w)) {
                out.append(RuleDiagnostic(file: file, line: n, message: "'\(w)' is not a valid Vietnamese syllable"))
            }
            if phrase.written.count < 6, phrase.anchor == nil {
                out.append(RuleDiagnostic(file: file, line: n, message: "a phrase under six words needs a word without marks to be found by"))
            }
        }
        return out
    }

    /// place-openers.txt: one or two words in lower case, as the language model keys them (a
    /// capital or a second spelling would never match the restored words they are compared with).
    static func checkPlaceOpeners(lines: [String], file: String) -> [RuleDiagnostic] {
        var out: [RuleDiagnostic] = []
        var seen: [String: Int] = [:]
        for (i, line) in lines.enumerated() where !isComment(line) {
            let n = i + 1
            let words = line.split(separator: " ").map(String.init)
            if let first = firstLine(of: line, n, &seen) {
                out.append(RuleDiagnostic(file: file, line: n, message: "duplicate opener (first at line \(first))"))
                continue
            }
            if words.isEmpty || words.count > 2 {
                out.append(RuleDiagnostic(file: file, line: n, message: "an opener is one or two words"))
            }
            for w in words where TokenKey.word(w) != w || !w.unicodeScalars.allSatisfy(\.properties.isAlphabetic) {
                out.append(RuleDiagnostic(file: file, line: n, message: "'\(w)' is not a word in lower case with its tone mark in place"))
            }
        }
        return out
    }

    /// body-names.txt: names of two words or more, each once, their words letters ("," after a word,
    /// "-" between two): what restoration compares OCR words with (BodyNames).
    static func checkBodyNames(lines: [String], file: String) -> [RuleDiagnostic] {
        var out: [RuleDiagnostic] = []
        var seen: [String: Int] = [:]
        for (i, line) in lines.enumerated() where !isComment(line) {
            let n = i + 1
            if let first = firstLine(of: line, n, &seen) {
                out.append(RuleDiagnostic(file: file, line: n, message: "duplicate name (first at line \(first))"))
                continue
            }
            let parts = line.split(separator: " ")
            if parts.filter({ $0 != "-" }).count < 2 {
                out.append(RuleDiagnostic(file: file, line: n, message: "a body's name has two words or more"))
            }
            for part in parts where part != "-" {
                let word = part.hasSuffix(",") ? part.dropLast() : part
                if word.isEmpty || !word.allSatisfy(\.isLetter) {
                    out.append(RuleDiagnostic(file: file, line: n, message: "'\(part)': a word of letters (a comma may follow it), or \"-\" alone"))
                }
            }
        }
        return out
    }

    static func checkSyllables(lines: [String], file: String, placeSyllables: Set<String> = []) -> [RuleDiagnostic] {
        var out: [RuleDiagnostic] = []
        var seen: [String: Int] = [:]
        for (i, line) in lines.enumerated() where !isComment(line) {
            let n = i + 1
            let s = line.trimmingCharacters(in: .whitespaces)
            if s.contains("\t") || s.contains(" ") {
                out.append(RuleDiagnostic(file: file, line: n, message: "one syllable per line, got '\(s)'"))
                continue
            }
            let norm = Normalize.nfc(s)
            if let first = firstLine(of: norm, n, &seen) {
                out.append(RuleDiagnostic(file: file, line: n, message: "duplicate syllable '\(norm)' (first at line \(first))"))
                continue
            }
            if norm != Normalize.lowercased(norm) {
                out.append(RuleDiagnostic(file: file, line: n, message: "'\(norm)' is not lower case"))
            } else if !Vietnamese.isValidSyllable(norm) && !placeSyllables.contains(norm) {
                out.append(RuleDiagnostic(file: file, line: n, message: "'\(norm)' is not a valid Vietnamese syllable nor one of a name in restore/places.txt"))
            } else if Vietnamese.canonicalSyllable(norm) != norm {
                out.append(RuleDiagnostic(file: file, line: n, message: "'\(norm)' has its tone mark out of place; write '\(Vietnamese.canonicalSyllable(norm))'"))
            }
        }
        if seen.isEmpty {
            out.append(RuleDiagnostic(file: file, line: max(lines.count, 1), message: "no syllables: restoration would propose nothing"))
        }
        return out
    }

    static func checkLexicon(lines: [String], file: String) -> [RuleDiagnostic] {
        var out: [RuleDiagnostic] = []
        var forms: [String: (kind: String, line: Int)] = [:]
        var keys: [String: (form: String, line: Int)] = [:]
        for (i, line) in lines.enumerated() where !isComment(line) {
            let n = i + 1
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count >= 2, cols.count <= 3, !cols[0].isEmpty else {
                out.append(RuleDiagnostic(file: file, line: n, message: "expected FORM<TAB>KIND[<TAB>NOTE]"))
                continue
            }
            let form = Normalize.nfc(cols[0]), kind = cols[1]
            if form != form.trimmingCharacters(in: .whitespaces) {
                out.append(RuleDiagnostic(file: file, line: n, message: "form '\(form)' has spaces around it"))
            }
            if !RestoreModel.lexiconKinds.contains(kind) {
                out.append(RuleDiagnostic(file: file, line: n, message: "unknown kind '\(kind)' (one of \(RestoreModel.lexiconKinds.sorted().joined(separator: ", ")))"))
            }
            if let first = forms[form] {
                let what = first.kind == kind ? "duplicate form '\(form)'" : "form '\(form)' listed as \(kind) and as \(first.kind)"
                out.append(RuleDiagnostic(file: file, line: n, message: "\(what) (first at line \(first.line))"))
                continue
            }
            forms[form] = (kind, n)
            let key = TokenKey.word(form)
            // A code that spells a syllable ("HU", "TU") is used only inside document codes.
            if Vietnamese.isValidSyllable(key) && kind != "code" {
                out.append(RuleDiagnostic(file: file, line: n, message: "form '\(form)' is also the Vietnamese syllable '\(key)': restoration would strip its diacritics everywhere"))
            }
            if let other = keys[key] {
                out.append(RuleDiagnostic(file: file, line: n, message: "form '\(form)' has the same key '\(key)' as '\(other.form)' at line \(other.line): only the first is used"))
            } else {
                keys[key] = (form, n)
            }
        }
        return out
    }

    static func checkConfusions(lines: [String], file: String) -> [RuleDiagnostic] {
        var out: [RuleDiagnostic] = []
        var seen: [String: Int] = [:]
        var rows = 0
        for (i, line) in lines.enumerated() where !(line.isEmpty || line.hasPrefix("#")) {
            let n = i + 1
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count == 4 else {
                out.append(RuleDiagnostic(file: file, line: n, message: "expected TRUE<TAB>OCR<TAB>COUNT<TAB>COST, got \(cols.count) column\(cols.count == 1 ? "" : "s")"))
                continue
            }
            let t = cols[0] == "∅" ? "" : Normalize.nfc(cols[0]), o = cols[1] == "∅" ? "" : Normalize.nfc(cols[1])
            if cols[0].isEmpty || cols[1].isEmpty {
                out.append(RuleDiagnostic(file: file, line: n, message: "empty TRUE or OCR: write ∅ for the empty string"))
                continue
            }
            if t.unicodeScalars.count > 2 || o.unicodeScalars.count > 2 {
                out.append(RuleDiagnostic(file: file, line: n, message: "TRUE and OCR take 0 to 2 characters"))
            }
            if t.isEmpty && o.isEmpty {
                out.append(RuleDiagnostic(file: file, line: n, message: "∅ → ∅ is not a confusion"))
            }
            if UInt64(cols[2]) == nil {
                out.append(RuleDiagnostic(file: file, line: n, message: "COUNT '\(cols[2])' is not a whole number"))
            }
            if let cost = Double(cols[3]) {
                if !cost.isFinite || cost < 0 {
                    out.append(RuleDiagnostic(file: file, line: n, message: "COST \(cols[3]) must be a finite −ln P ≥ 0"))
                }
            } else {
                out.append(RuleDiagnostic(file: file, line: n, message: "COST '\(cols[3])' is not a number"))
            }
            let key = t + "\t" + o
            if let first = firstLine(of: key, n, &seen) {
                out.append(RuleDiagnostic(file: file, line: n, message: "duplicate confusion \(cols[0]) → \(cols[1]) (first at line \(first)); the loader keeps only the last"))
            }
            rows += 1
        }
        if rows == 0 {
            out.append(RuleDiagnostic(file: file, line: max(lines.count, 1), message: "no confusion rows"))
        }
        return out
    }

    static func checkLanguageModel(path: String, file: String) -> [RuleDiagnostic] {
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
        if size == 0 {
            return [RuleDiagnostic(file: file, line: 1, message: "empty language model; rebuild it with `kehoach rules build-lm`")]
        }
        do {
            let lm = try LanguageModel.load(path: path)
            if lm.vocabularySize < 100 || lm.bigramCount == 0 {
                return [RuleDiagnostic(file: file, line: 1, message: "language model has \(lm.vocabularySize) words and \(lm.bigramCount) bigrams: too small to restore with")]
            }
            return []
        } catch {
            let detail = (error as? LanguageModel.FormatError)?.detail ?? "\(error)"
            return [RuleDiagnostic(file: file, line: 1, message: "unreadable language model: \(detail)")]
        }
    }

    /// `file:line: error: message`, or GitHub's workflow command `::error file=F,line=L::message`.
    public static func format(_ d: RuleDiagnostic, github: Bool) -> String {
        guard github else { return d.description }
        func escape(_ s: String, property: Bool) -> String {
            var r = s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
                .replacingOccurrences(of: "\n", with: "%0A")
            if property { r = r.replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C") }
            return r
        }
        return "::\(d.severity.rawValue) file=\(escape(d.file, property: true)),line=\(d.line)::\(escape(d.message, property: false))"
    }
}
