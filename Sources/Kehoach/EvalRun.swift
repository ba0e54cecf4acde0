import Foundation

/// `kehoach eval`: restoration and extraction measured on corpus/ and compared with a baseline
/// (corpus/baseline.json), so that a rule change that makes things worse fails CI and says which
/// figures dropped and which words and entities changed.
public struct EvalFigures: Codable, Equatable, Sendable {
    public var schema = "kehoach.eval/1"
    /// Flat metric name → value, e.g. "restore.all.accuracy", "extract.targets.f1". Rounded to 4 places as tools/score does.
    public var metrics: [String: Double] = [:]
    /// Restoration word outcomes per document ("real/langson-2021-kh-88"): one string per gold line
    /// with words, "L<line> <bits>" with 1 for a word restored right, 0 for wrong.
    public var words: [String: [String]] = [:]
    /// Extraction per document and array: keys found, spurious and missed.
    public var entities: [String: [String: EntityOutcome]] = [:]

    public init() {}

    public struct EntityOutcome: Codable, Equatable, Sendable {
        public var found: [String], spurious: [String], missed: [String]
    }

    public func data() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var d = try encoder.encode(self)
        d.append(0x0A)
        return d
    }

    public static func load(path: String) throws -> EvalFigures {
        try JSONDecoder().decode(EvalFigures.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

public struct EvalRun: Sendable {
    public var figures: EvalFigures
    /// Problems that make the run fail whatever the figures say (rules that do not load, a missing file).
    public var errors: [String]
    /// Things worth saying that are not failures (extraction not built in).
    public var notes: [String]
    /// Restored text per document ("real/NAME"), for naming what a newly wrong word became.
    public var restored: [String: String] = [:]

    public init(figures: EvalFigures, errors: [String], notes: [String], restored: [String: String] = [:]) {
        self.figures = figures; self.errors = errors; self.notes = notes; self.restored = restored
    }
}

public enum Evaluator {
    /// Restores every raw file with a true text or an answer key, scores restoration per document,
    /// group and overall, then extracts from the restored text and scores it against corpus/keys.
    /// Rules that fail to load are reported in `errors`, and the run goes on with the OCR text
    /// unrestored (or no extraction), so that the figures show what such rules would cost.
    /// `configure` sets the restorer's weights before the run (`--param` experiments).
    public static func run(corpus: URL, rulesDirectory: URL, progress: ((String) -> Void)? = nil,
                           configure: ((Restorer) throws -> Void)? = nil) -> EvalRun {
        var figures = EvalFigures()
        var errors: [String] = [], notes: [String] = []
        let restorer: Restorer?
        do {
            let loaded = try Restorer.load(rulesDirectory: rulesDirectory)
            try configure?(loaded)
            restorer = loaded
        } catch {
            restorer = nil
            errors.append("restoration rules do not load (scoring the OCR text unrestored): \(error)")
        }
        var restored: [String: String] = [:]
        func restore(_ url: URL) throws -> (raw: String, out: String) {
            let raw = try TextInput.read(path: url.path)
            if let done = restored[url.path] { return (raw, done) }
            let out = restorer?.restore(raw, withChanges: false).text ?? raw
            restored[url.path] = out
            return (raw, out)
        }

        // Restoration.
        var groups: [String: RestoreMetric.Counts] = [:]
        var total = RestoreMetric.Counts()
        func put(_ prefix: String, _ c: RestoreMetric.Counts) {
            figures.metrics[prefix + ".words"] = Double(c.words)
            figures.metrics[prefix + ".accuracy"] = ExtractMetric.round(c.accuracy)
            figures.metrics[prefix + ".marked_accuracy"] = ExtractMetric.round(c.markedAccuracy)
            figures.metrics[prefix + ".input_accuracy"] = ExtractMetric.round(c.inputAccuracy)
            figures.metrics[prefix + ".error_reduction"] = ExtractMetric.round(c.errorReduction)
            figures.metrics[prefix + ".harm"] = Double(c.harm)
        }
        let pairs = EvalCorpus(root: corpus).restorePairs()
        if pairs.isEmpty { errors.append("no gold/raw pairs under \(corpus.path)") }
        for pair in pairs {
            let doc = "\(pair.group)/\(pair.name)"
            progress?("restore \(doc)")
            do {
                let (raw, out) = try restore(pair.raw)
                let gold = try String(contentsOf: pair.gold, encoding: .utf8)
                var outcomes: [RestoreMetric.WordOutcome] = []
                let c = try withUnsafeMutablePointer(to: &outcomes) {
                    try RestoreMetric.score(gold: gold, output: out, input: raw, outcomes: $0)
                }
                put("restore.doc.\(doc)", c)
                groups[pair.group, default: .init()] = groups[pair.group, default: .init()] + c
                total = total + c
                var lines: [String] = []
                var line = 0, bits = ""
                for o in outcomes {
                    if o.line != line {
                        if line > 0 { lines.append("L\(line) \(bits)") }
                        line = o.line; bits = ""
                    }
                    bits += o.right ? "1" : "0"
                }
                if line > 0 { lines.append("L\(line) \(bits)") }
                figures.words[doc] = lines
            } catch {
                errors.append("\(doc): \(error)")
            }
        }
        for (group, c) in groups { put("restore.\(group)", c) }
        put("restore.all", total)

        // Extraction.
        let keysDir = corpus.appendingPathComponent("keys")
        let keyNames = ((try? FileManager.default.contentsOfDirectory(atPath: keysDir.path)) ?? [])
            .filter { $0.hasSuffix(".entities.json") }.sorted()
        struct ExtractDoc {
            let stem: String, key: URL, source: URL
            /// The OCR text restoration started from (nil for clean text) and the text to extract from.
            let text: () throws -> (String?, String)
        }
        var extract: (@Sendable (String, String?, String, String) -> ExtractionResult)?
        do {
            extract = try ExtractionBridge.extractor(rulesDirectory: rulesDirectory)
            if extract == nil { notes.append("extraction is not built into this kehoach: no extraction figures") }
        } catch {
            errors.append("extraction rules do not load (scoring empty extractions): \(error)")
            extract = { _, _, path, sha in ExtractionResult(source: .init(path: path, sha256: sha)) }
        }
        /// Scores one set of documents: metrics under `prefix` ("extract" for the public set, whose
        /// names predate the dev set), entity outcomes under `docPrefix + stem`, and the same figures
        /// per typeface when `faces` names them.
        func scoreSet(_ prefix: String, docPrefix: String, _ docs: [ExtractDoc], faces: [String: String] = [:]) {
            guard let extract, !docs.isEmpty else { return }
            var agg: [String: ExtractMetric.ArrayCounts] = [:]
            var byFace: [String: [String: ExtractMetric.ArrayCounts]] = [:]
            var docRight = 0, docTotal = 0
            for doc in docs {
                let stem = doc.stem
                progress?("extract \(docPrefix)\(stem)")
                do {
                    let key = try JSONValue.parse(Data(contentsOf: doc.key))
                    let (ocr, out) = try doc.text()
                    let sha = sha256Hex(try Data(contentsOf: doc.source))
                    let result = extract(out, ocr, RulesCheck.displayPath(doc.source), sha)
                    let score = ExtractMetric.scoreDocument(key: key, output: try JSONValue.parse(result.jsonData(pretty: false)))
                    var docCounts = ExtractMetric.ArrayCounts()
                    var outcome: [String: EvalFigures.EntityOutcome] = [:]
                    let face = faces[stem]
                    for kind in ExtractMetric.kinds {
                        let c = score.arrays[kind] ?? .init()
                        agg[kind] = (agg[kind] ?? .init()) + c
                        if let face { byFace[face, default: [:]][kind] = (byFace[face]?[kind] ?? .init()) + c }
                        docCounts = docCounts + c
                        outcome[kind] = .init(found: score.found[kind] ?? [], spurious: score.spurious[kind] ?? [], missed: score.missed[kind] ?? [])
                    }
                    figures.entities[docPrefix + stem] = outcome
                    let docMetric = prefix == "extract" ? "extract.doc.\(stem)" : "\(prefix).doc.\(stem)"
                    figures.metrics["\(docMetric).f1"] = ExtractMetric.prf(docCounts).f1
                    let right = score.document.filter(\.right).count
                    if !score.document.isEmpty {
                        figures.metrics["\(docMetric).document_accuracy"] = ExtractMetric.round(Double(right) / Double(score.document.count))
                    }
                    docRight += right
                    docTotal += score.document.count
                } catch {
                    errors.append("extract \(docPrefix)\(stem): \(error)")
                }
            }
            func put(_ p: String, _ counts: [String: ExtractMetric.ArrayCounts]) {
                var all = ExtractMetric.ArrayCounts()
                for kind in ExtractMetric.kinds {
                    let c = counts[kind] ?? .init()
                    all = all + c
                    let (pr, r, f) = ExtractMetric.prf(c)
                    figures.metrics["\(p).\(kind).precision"] = pr
                    figures.metrics["\(p).\(kind).recall"] = r
                    figures.metrics["\(p).\(kind).f1"] = f
                    figures.metrics["\(p).\(kind).\(ExtractMetric.secondField[kind]!)_right"] = Double(c.secondRight)
                }
                let (pr, r, f) = ExtractMetric.prf(all)
                figures.metrics["\(p).all.precision"] = pr
                figures.metrics["\(p).all.recall"] = r
                figures.metrics["\(p).all.f1"] = f
            }
            put(prefix, agg)
            for (face, counts) in byFace { put("\(prefix).face.\(face)", counts) }
            figures.metrics["\(prefix).document.right"] = Double(docRight)
            figures.metrics["\(prefix).document.total"] = Double(docTotal)
            figures.metrics["\(prefix).document.accuracy"] = docTotal > 0 ? ExtractMetric.round(Double(docRight) / Double(docTotal)) : 0
        }
        scoreSet("extract", docPrefix: "", keyNames.map { name in
            let stem = String(name.dropLast(".entities.json".count))
            let raw = corpus.appendingPathComponent("raw/\(stem).txt")
            return ExtractDoc(stem: stem, key: keysDir.appendingPathComponent(name), source: raw) {
                let (r, out) = try restore(raw)
                return (r, out)
            }
        })

        // The dev set (corpus/dev): clean documents taken as restored text, and the same documents
        // OCR'd and restored first; the OCR figures also per typeface (corpus/dev/typefaces.tsv),
        // since the OCR's damage, and so restoration, depends on the face.
        let dev = EvalCorpus(root: corpus).devDocuments()
        // corpus/dev2 … dev6 the same way: sets written by other hands apart from the rules (their READMEs)
        for set in ["dev", "dev2", "dev3", "dev4", "dev5", "dev6"] {
            let docs = set == "dev" ? dev : EvalCorpus(root: corpus).devDocuments(set: set)
            guard !docs.isEmpty else { continue }
            let faces = EvalCorpus(root: corpus).devTypefaces(set: set)
            scoreSet("extract.\(set)_clean", docPrefix: "\(set)-clean/", docs.map { d in
                ExtractDoc(stem: d.name, key: d.cleanKey, source: d.clean) {
                    let text = try TextInput.read(path: d.clean.path)
                    return (nil, text)
                }
            }, faces: faces)
            var devRestore: [String: RestoreMetric.Counts] = [:]
            scoreSet("extract.\(set)_ocr", docPrefix: "\(set)-ocr/", docs.compactMap { d in
                guard let ocr = d.ocr, let key = d.ocrKey else { return nil }
                return ExtractDoc(stem: d.name, key: key, source: ocr) {
                    let (raw, out) = try restore(ocr)
                    if let gold = d.ocrGold, let g = try? String(contentsOf: gold, encoding: .utf8),
                       let c = try? RestoreMetric.score(gold: g, output: out, input: raw) {
                        devRestore["all", default: .init()] = devRestore["all", default: .init()] + c
                        if let face = faces[d.name] { devRestore["face.\(face)", default: .init()] = devRestore["face.\(face)", default: .init()] + c }
                    }
                    return (raw, out)
                }
            }, faces: faces)
            // Restoration of the set's OCR, for reading the extraction figures beside it (not in restore.all,
            // whose meaning the baseline fixes; no per-word outcomes, to keep the baseline small).
            for (group, c) in devRestore { put("restore.\(set)_ocr.\(group)", c) }
        }
        // Text typed without diacritics: the true texts of corpus/gold and corpus/dev/docs with every
        // mark removed (đ → d), restored under the profile restoration chooses for them; and prose of
        // another genre, corpus/general (Wikipedia paragraphs no model counted), as "general".
        var stripped: [String: RestoreMetric.Counts] = [:]
        let generalDir = corpus.appendingPathComponent("general")
        let general = ((try? FileManager.default.contentsOfDirectory(atPath: generalDir.path)) ?? []).sorted()
            .filter { $0.hasSuffix(".gold.txt") }.map { ("general", generalDir.appendingPathComponent($0)) }
        let trueTexts = pairs.filter { $0.group == "real" }.map { ("real", $0.gold) } + dev.map { ("dev", $0.clean) } + general
        for (group, url) in trueTexts {
            guard let restorer, let gold = try? String(contentsOf: url, encoding: .utf8) else { continue }
            let input = Normalize.stripMarks(gold)
            let out = restorer.restore(input, withChanges: false).text
            if let c = try? RestoreMetric.score(gold: gold, output: out, input: input) {
                stripped[group, default: .init()] = stripped[group, default: .init()] + c
                // ("all" stays the plans', the figure the baseline has held since it was added)
                if group != "general" { stripped["all", default: .init()] = stripped["all", default: .init()] + c }
            }
        }
        for (group, c) in stripped { put("restore.stripped.\(group)", c) }
        var outputs: [String: String] = [:]
        for pair in pairs { if let out = restored[pair.raw.path] { outputs["\(pair.group)/\(pair.name)"] = out } }
        return EvalRun(figures: figures, errors: errors, notes: notes, restored: outputs)
    }
}

/// The run set against a baseline: which figures dropped beyond tolerance, and what changed per document.
public struct EvalComparison: Sendable {
    public enum Status: String, Codable, Sendable { case ok, improved, dropped, new, missing, info }

    public struct Row: Sendable {
        public let name: String
        public let baseline: Double?
        public let current: Double?
        public let gated: Bool
        public let status: Status
        public var delta: Double? { if let b = baseline, let c = current { return c - b }; return nil }
    }

    public struct DocumentDiff: Sendable {
        public let document: String
        public var newlyWrong: [(line: Int, word: String)] = []
        public var newlyRight: [(line: Int, word: String)] = []
        public var changedLines: [Int] = []
        public var lost: [String] = [], gained: [String] = [], newSpurious: [String] = [], goneSpurious: [String] = []
        public var isEmpty: Bool {
            newlyWrong.isEmpty && newlyRight.isEmpty && changedLines.isEmpty && lost.isEmpty && gained.isEmpty
                && newSpurious.isEmpty && goneSpurious.isEmpty
        }
    }

    public let rows: [Row]
    public let diffs: [DocumentDiff]
    public let errors: [String]
    public let notes: [String]
    public let tolerance: Double
    public let harmTolerance: Int
    public let hasBaseline: Bool

    public var dropped: [Row] { rows.filter { $0.status == .dropped || $0.status == .missing } }
    public var passed: Bool { hasBaseline && dropped.isEmpty && errors.isEmpty }

    /// Metrics that can fail the run: the overall and per-group figures (per-document ones are shown, not gated).
    public static func isGated(_ name: String) -> Bool {
        if name.contains(".doc.") { return false }
        let last = name.split(separator: ".").last.map(String.init) ?? ""
        return ["accuracy", "marked_accuracy", "error_reduction", "precision", "recall", "f1", "harm"].contains(last)
    }

    public init(run: EvalRun, baseline: EvalFigures?, tolerance: Double = 0.005, harmTolerance: Int = 3,
                corpus: URL? = nil) {
        self.tolerance = tolerance
        self.harmTolerance = harmTolerance
        self.errors = run.errors
        self.notes = run.notes
        self.hasBaseline = baseline != nil
        let current = run.figures.metrics, base = baseline?.metrics ?? [:]
        var rows: [Row] = []
        for name in Set(current.keys).union(base.keys).sorted(by: EvalComparison.order) {
            let b = base[name], c = current[name]
            let gated = EvalComparison.isGated(name)
            var status: Status = .info
            if let b, let c {
                if gated {
                    let lowerIsBetter = name.hasSuffix(".harm")
                    let worse = lowerIsBetter ? c - b : b - c
                    let allowed = lowerIsBetter ? Double(harmTolerance) : tolerance
                    status = worse > allowed + 1e-9 ? .dropped : (worse < -1e-9 ? .improved : .ok)
                }
            } else if c == nil {
                status = gated ? .missing : .info
            } else {
                status = .new
            }
            rows.append(Row(name: name, baseline: b, current: c, gated: gated, status: status))
        }
        self.rows = rows
        var diffs: [DocumentDiff] = []
        if let baseline {
            for doc in Set(run.figures.words.keys).union(run.figures.entities.keys).sorted() {
                var d = DocumentDiff(document: doc)
                if let now = run.figures.words[doc], let then = baseline.words[doc] {
                    let goldText = corpus.flatMap { EvalComparison.goldText(corpus: $0, document: doc) }
                    let goldLines = goldText?.components(separatedBy: "\n") ?? []
                    let outLines = run.restored[doc]?.components(separatedBy: "\n") ?? []
                    let before = Dictionary(then.compactMap(EvalComparison.parseLine), uniquingKeysWith: { a, _ in a })
                    for (line, bits) in now.compactMap(EvalComparison.parseLine) {
                        guard let old = before[line] else { d.changedLines.append(line); continue }
                        guard old.count == bits.count else { d.changedLines.append(line); continue }
                        let g = line <= goldLines.count ? goldLines[line - 1] : ""
                        let words = EvalComparison.writtenWords(g)
                        let became = line <= outLines.count ? EvalComparison.alignedOutput(gold: g, output: outLines[line - 1]) : []
                        for (i, (a, b)) in zip(old, bits).enumerated() where a != b {
                            var w = i < words.count ? words[i] : "#\(i + 1)"
                            if b == "0" { w += " → " + (i < became.count ? became[i] ?? "(nothing)" : "?") }
                            if b == "0" { d.newlyWrong.append((line, w)) } else { d.newlyRight.append((line, w)) }
                        }
                    }
                }
                if let now = run.figures.entities[doc], let then = baseline.entities[doc] {
                    for kind in ExtractMetric.kinds {
                        let n = now[kind], t = then[kind]
                        let nf = Set(n?.found ?? []), tf = Set(t?.found ?? [])
                        let ns = Set(n?.spurious ?? []), ts = Set(t?.spurious ?? [])
                        d.lost += tf.subtracting(nf).sorted().map { "\(kind): \($0)" }
                        d.gained += nf.subtracting(tf).sorted().map { "\(kind): \($0)" }
                        d.newSpurious += ns.subtracting(ts).sorted().map { "\(kind): \($0)" }
                        d.goneSpurious += ts.subtracting(ns).sorted().map { "\(kind): \($0)" }
                    }
                }
                if !d.isEmpty { diffs.append(d) }
            }
        }
        self.diffs = diffs
    }

    /// Overall first, then groups, then documents; restoration before extraction.
    static func order(_ a: String, _ b: String) -> Bool {
        func rank(_ s: String) -> (Int, String) {
            let r = (s.hasPrefix("extract.") ? 10 : 0) + (s.contains(".all.") ? 0 : s.contains(".doc.") ? 2 : 1)
            return (r, s)
        }
        return rank(a) < rank(b)
    }

    static func parseLine(_ s: String) -> (Int, [Character])? {
        let parts = s.split(separator: " ")
        guard parts.count == 2, parts[0].hasPrefix("L"), let n = Int(parts[0].dropFirst()) else { return nil }
        return (n, Array(parts[1]))
    }

    static func goldText(corpus: URL, document: String) -> String? {
        guard let pair = EvalCorpus(root: corpus).restorePairs().first(where: { "\($0.group)/\($0.name)" == document }) else { return nil }
        return try? String(contentsOf: pair.gold, encoding: .utf8)
    }

    /// The words of a line as the metric counts them, but as written (the metric moves tone marks).
    static func writtenWords(_ line: String) -> [String] {
        var w: [String] = []
        for raw in Normalize.nfc(line).split(whereSeparator: { $0.isWhitespace }) {
            var scalars = Substring.UnicodeScalarView(Substring(raw).unicodeScalars)
            while let f = scalars.first, RestoreMetric.punctuation.contains(f) { scalars.removeFirst() }
            while let l = scalars.last, RestoreMetric.punctuation.contains(l) { scalars.removeLast() }
            let word = String(scalars)
            if word.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) { w.append(word) }
        }
        return w
    }

    /// For each gold word of a line, the output word the metric aligned to it (as written), or nil.
    static func alignedOutput(gold: String, output: String) -> [String?] {
        let o = RestoreMetric.words(output, false), written = writtenWords(output)
        return RestoreMetric.alignment(RestoreMetric.words(gold, false), o).map { j in
            j.map { $0 < written.count ? written[$0] : o[$0] }
        }
    }
}
