import Foundation

/// What a reviewer decided on a reviewed document's words: written by the review page (its "Export
/// corrections" button), applied by `kehoach restore --apply-corrections`, so that a reviewed
/// document can be made again exactly.
///
/// A correction names a word of the *restored* text by its 1-based line and column (in Unicode
/// scalars, as `RestoreChange` does for the input) and the text it had there, so that it is applied
/// only to the restoration it was made on: a word found otherwise (the rules changed since the
/// review) is an error, not a silent edit.
public struct Corrections: Codable, Equatable, Sendable {
    public static let schema = "kehoach.corrections/1"
    public var schema = Corrections.schema
    /// The reviewed file's name, as the page showed it.
    public var document: String
    /// SHA-256 of the reviewed file's bytes: corrections are applied to that file only.
    public var sha256: String?
    /// The damage profile the review restored the text under (auto's choice included), so that
    /// applying the corrections restores it the same way.
    public var profile: DamageProfile?
    public var corrections: [Correction]
    /// Changed words the reviewer accepted as restored (recorded, nothing to apply).
    public var accepted: [Word]?

    public struct Correction: Codable, Equatable, Sendable {
        public var line: Int, column: Int
        /// The word as restored.
        public var text: String
        /// The word the reviewer wrote instead.
        public var corrected: String
        public init(line: Int, column: Int, text: String, corrected: String) {
            self.line = line; self.column = column; self.text = text; self.corrected = corrected
        }
    }

    public struct Word: Codable, Equatable, Sendable {
        public var line: Int, column: Int, text: String
    }

    public init(document: String, sha256: String? = nil, profile: DamageProfile? = nil, corrections: [Correction], accepted: [Word]? = nil) {
        self.document = document; self.sha256 = sha256; self.profile = profile; self.corrections = corrections; self.accepted = accepted
    }

    public struct Mismatch: Error, CustomStringConvertible, Sendable {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public static func load(_ data: Data, path: String) throws -> Corrections {
        let c: Corrections
        do { c = try JSONDecoder().decode(Corrections.self, from: data) } catch {
            throw Mismatch(description: "\(path): not a corrections file (\(Self.describe(error)))")
        }
        guard c.schema == schema else { throw Mismatch(description: "\(path): schema \"\(c.schema)\", expected \"\(schema)\"") }
        return c
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx): return "missing \(([key] + ctx.codingPath.reversed()).reversed().map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            return "wrong value at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: return "not JSON"
        default: return "\(error)"
        }
    }

    /// `restored` with every correction made; throws naming the first word not found where a
    /// correction says, and the line and column.
    public func apply(to restored: String) throws -> String {
        var lines = restored.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        // right to left within a line, so that a longer or shorter word does not move the next
        for c in corrections.sorted(by: { ($0.line, -$0.column) < ($1.line, -$1.column) }) {
            guard c.line >= 1, c.line <= lines.count else {
                throw Mismatch(description: "line \(c.line): the text has \(lines.count) lines")
            }
            let word = Array(Normalize.nfc(c.text).unicodeScalars)
            let line = lines[c.line - 1]
            let start = (1...max(1, line.count)).contains(c.column) ? c.column - 1 : -1
            guard !word.isEmpty, start >= 0, word.count <= line.count - start, Array(line[start..<start + word.count]) == word else {
                let found = start >= 0 && start < line.count
                    ? Restorer.string(line[start..<min(line.count, start + max(word.count, 1))]) : ""
                throw Mismatch(description: "line \(c.line), column \(c.column): expected \"\(c.text)\", found \"\(found)\" (was the text restored with other rules?)")
            }
            lines[c.line - 1].replaceSubrange(start..<start + word.count, with: Normalize.nfc(c.corrected).unicodeScalars)
        }
        return lines.map { Restorer.string($0[...]) }.joined(separator: "\n")
    }
}

/// The review site: a static page per document (OCR and restored text side by side, line by line,
/// changes marked, low-confidence words lit with their alternatives, the extracted entities linked
/// to their lines, corrections exported as a file) and an index of documents. Plain HTML, CSS and
/// a little script, no network: it opens from disk.
public enum ReviewSite {
    /// A change below this confidence is shown as uncertain.
    public static let lowConfidence = 0.9

    public struct Document: Sendable {
        public let name: String
        /// The page's file name ("NAME.html").
        public let page: String
        public let input: String
        public let restoration: Restoration
        public let extraction: ExtractionResult?
        /// SHA-256 of the file's bytes (as batch keys documents; the corrections carry it).
        public let sha256: String
        public init(name: String, page: String, input: String, restoration: Restoration, extraction: ExtractionResult?, sha256: String) {
            self.name = name; self.page = page; self.input = input; self.restoration = restoration
            self.extraction = extraction; self.sha256 = sha256
        }
        public var lowConfidenceCount: Int { restoration.changes.filter { $0.confidence < ReviewSite.lowConfidence }.count }
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// The text's lines as restoration numbers them (every line end LineEnds knows: CR LF, CR,
    /// NEL, U+2028 …), so that a change's line is its row.
    static func lines(_ text: String) -> [[Unicode.Scalar]] {
        LineEnds.lf(text).split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
    }

    static let style = """
        :root { color-scheme: light; --changed: #fff3b0; --low: #ffd0c2; --ink: #1a1a1a; --muted: #4a4a4a; --line: #d0d0d0; --focus: #0b57d0; }
        body { font: 16px/1.5 "Noto Serif", "Liberation Serif", "Times New Roman", serif; color: var(--ink); background: #fff; margin: 0 1.5rem 3rem; }
        h1 { font-size: 1.4rem; margin: 1rem 0 .25rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
        p.summary { color: var(--muted); margin: 0 0 .75rem; }
        a { color: #0b4fa8; } a:focus, button:focus, th button:focus { outline: 3px solid var(--focus); outline-offset: 2px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { border-bottom: 1px solid var(--line); padding: .15rem .5rem; vertical-align: top; text-align: left; }
        table.lines td { width: 48%; white-space: pre-wrap; }
        table.lines th[scope=row] { color: var(--muted); font-weight: normal; text-align: right; width: 3rem; }
        tr:target { background: #e8f0fe; }
        .w { font: inherit; color: inherit; background: none; border: 0; padding: 0; margin: 0; cursor: pointer; }
        .w.changed { background: var(--changed); border-bottom: 2px solid #8a6d00; }
        .w.low { background: var(--low); border-bottom: 2px dotted #a01900; }
        .w.corrected { background: #c8ecd0; border-bottom: 2px solid #1e6b30; }
        .w.accepted { background: #e3f2e6; }
        del { background: #f3f3f3; text-decoration: line-through; color: var(--muted); }
        #editor { position: fixed; right: 1rem; bottom: 1rem; background: #fff; border: 2px solid var(--ink); padding: .75rem; max-width: 26rem; box-shadow: 0 4px 16px #0004; }
        #editor[hidden] { display: none; }
        .toolbar { position: sticky; top: 0; background: #fff; padding: .5rem 0; border-bottom: 1px solid var(--line); z-index: 1; }
        .legend span { padding: 0 .3rem; margin-right: .5rem; }
        ul.entities li { margin: .1rem 0; }
        th button { font: inherit; font-weight: bold; background: none; border: 0; cursor: pointer; padding: 0; }
        """

    /// One document's page.
    public static func page(_ d: Document) -> String {
        let input = lines(d.input), restored = lines(d.restoration.text)
        var changes: [Int: [Int: RestoreChange]] = [:]   // line → input column → change
        for c in d.restoration.changes { changes[c.line, default: [:]][c.column] = c }
        var rows = ""
        for i in 0..<max(input.count, restored.count) {
            let n = i + 1
            let inLine = i < input.count ? input[i] : [], outLine = i < restored.count ? restored[i] : []
            if i == input.count - 1, inLine.isEmpty, outLine.isEmpty { break }   // the text's final line break
            // Only changed words differ in length, so a change's column in the restored line is
            // its input column moved by the changes before it on the line.
            let lineChanges = (changes[n] ?? [:]).values.sorted { $0.column < $1.column }
            var outChanges: [Int: RestoreChange] = [:]   // restored column → change
            var shift = 0
            for c in lineChanges {
                outChanges[c.column + shift] = c
                shift += c.to.unicodeScalars.count - c.from.unicodeScalars.count
            }
            // OCR side: the changed words struck through
            var ocr = "", at = 0
            for c in lineChanges {
                let start = c.column - 1, end = start + c.from.unicodeScalars.count
                guard start >= at, end <= inLine.count else { continue }
                ocr += escape(Restorer.string(inLine[at..<start]))
                ocr += "<del>" + escape(Restorer.string(inLine[start..<end])) + "</del>"
                at = end
            }
            ocr += escape(Restorer.string(inLine[at...]))
            // restored side: every word a button (the changed ones in the tab order), to accept or correct
            var out = ""
            at = 0
            for p in Tokenizer.pieces(outLine) where p.kind == .word || outChanges[p.start + 1] != nil {
                out += escape(Restorer.string(outLine[at..<p.start]))
                let word = Restorer.string(outLine[p.start..<p.end])
                let change = outChanges[p.start + 1]
                var classes = "w", title = "", tab = "-1"
                if let change {
                    tab = "0"
                    classes += change.confidence < lowConfidence ? " changed low" : " changed"
                    let alternatives = change.alternatives.map { "\($0.text) (\(percent($0.confidence)))" }.joined(separator: ", ")
                    title = "OCR: \(change.from) · confidence \(percent(change.confidence))" + (alternatives.isEmpty ? "" : " · alternatives: \(alternatives)")
                }
                out += "<button type=\"button\" class=\"\(classes)\" tabindex=\"\(tab)\" data-line=\"\(n)\" data-col=\"\(p.start + 1)\" data-text=\"\(escape(word))\""
                if let change {
                    out += " data-from=\"\(escape(change.from))\" data-alternatives=\"\(escape(change.alternatives.map(\.text).joined(separator: "\u{1F}")))\""
                    out += " title=\"\(escape(title))\" aria-label=\"\(escape(word)), restored from \(escape(change.from)), confidence \(percent(change.confidence))\""
                }
                out += ">\(escape(word))</button>"
                at = p.end
            }
            out += escape(Restorer.string(outLine[at...]))
            rows += "<tr id=\"L\(n)\"><th scope=\"row\"><a href=\"#L\(n)\">\(n)</a></th><td class=\"ocr\" lang=\"vi\">\(ocr)</td><td class=\"out\" lang=\"vi\">\(out)</td></tr>\n"
        }
        let changed = d.restoration.changes.count, low = d.lowConfidenceCount
        return head(title: "\(d.name) — kehoach review", style: style) + """
            <body>
            <header>
            <p><a href="index.html">All documents</a></p>
            <h1>\(escape(d.name))</h1>
            <p class="summary" id="summary">\(d.restoration.wordCount) words; <strong>\(changed)</strong> changed by restoration (profile \(d.restoration.profile.rawValue)), <strong>\(low)</strong> of them uncertain (confidence under \(percent(lowConfidence))).</p>
            </header>
            <div class="toolbar" role="region" aria-label="Review tools">
            <p class="legend"><span class="w changed">changed</span><span class="w changed low">uncertain</span><span class="w corrected">corrected</span> Select a word (Tab moves through the changed ones; Enter opens it) to accept or correct it.</p>
            <button type="button" id="export">Export corrections</button> <span id="decisions" aria-live="polite">No decisions yet.</span>
            </div>
            <main>
            <h2 id="text">Text, line by line</h2>
            <table class="lines" aria-describedby="text">
            <thead><tr><th scope="col">Line</th><th scope="col">OCR text</th><th scope="col">Restored text</th></tr></thead>
            <tbody>
            \(rows)</tbody>
            </table>
            \(entities(d.extraction))
            </main>
            <form id="editor" hidden aria-labelledby="editor-title">
            <p id="editor-title"></p>
            <p id="editor-alternatives"></p>
            <label for="editor-text">Correct word</label>
            <input id="editor-text" name="text" autocomplete="off" lang="vi">
            <p><button type="submit">Save correction</button> <button type="button" id="editor-accept">Accept as restored</button> <button type="button" id="editor-cancel">Cancel</button></p>
            </form>
            <script>
            \(script(document: d.name, sha256: d.sha256, profile: d.restoration.profile))
            </script>
            </body>
            </html>

            """
    }

    /// A page's file name as a link from the index: "./" and percent-encoded, so that "#", "?",
    /// "%" or a "javascript:" in a file name stay part of the name.
    static func pageLink(_ page: String) -> String {
        "./" + (page.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "?#%;:"))) ?? page)
    }

    /// A page's opening up to its body: the same for the review's pages and the report.
    static func head(title: String, style: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>\(style)</style>
        </head>

        """
    }

    static func percent(_ p: Double) -> String { "\(Int((p * 100).rounded()))%" }

    static func entities(_ r: ExtractionResult?) -> String {
        guard let r else { return "" }
        func link(_ line: Int) -> String { "<a href=\"#L\(line)\">line \(line)</a>" }
        func list(_ title: String, _ id: String, _ items: [String]) -> String {
            "<h2 id=\"\(id)\">\(title) (\(items.count))</h2>\n" + (items.isEmpty ? "<p>None found.</p>\n"
                : "<ul class=\"entities\" aria-labelledby=\"\(id)\">\n" + items.map { "<li>\($0)</li>" }.joined(separator: "\n") + "\n</ul>\n")
        }
        let doc = r.document
        let fields = [("Kind", doc.kind), ("Number", doc.number), ("Issuer", doc.issuer), ("Place", doc.place), ("Date", doc.date),
                      ("Title", doc.title), ("Signer", doc.signer)]
        var out = "<h2 id=\"document\">Document</h2>\n<dl>\n"
        for (k, v) in fields { out += "<dt>\(k)</dt><dd>\(v.map(escape) ?? "—")</dd>\n" }
        out += "</dl>\n"
        out += list("Targets", "targets", r.targets.map {
            "\(escape($0.indicator)) · \(escape($0.measure)) · \(escape($0.status)): <strong>\(QueryValue.number($0.value)) \(escape($0.unit))</strong>"
                + ($0.year.map { " (\($0))" } ?? "") + " — \(link($0.line))"
        })
        out += list("Deadlines", "deadlines", r.deadlines.map {
            "<strong>\(escape($0.date ?? $0.recurrence ?? "relative"))</strong> — \(escape($0.text))"
                + ($0.agencies.isEmpty ? "" : " · \(escape($0.agencies.joined(separator: "; ")))") + " — \(link($0.line))"
        })
        out += list("Agencies", "agencies", r.agencies.map { "\(escape($0.name)) · \(escape($0.role)) — \(link($0.line))" })
        out += list("References", "references", r.references.map { "\(escape($0.kind)) \(escape($0.number))" + ($0.date.map { " (\(escape($0)))" } ?? "") + " — \(link($0.line))" })
        return out
    }

    static func script(document: String, sha256: String, profile: DamageProfile) -> String {
        // (the document's name and digest as JSON string literals: no markup can close the script)
        func literal(_ s: String) -> String {
            String(decoding: (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8), as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
        }
        return """
            "use strict";
            const documentName = \(literal(document)), documentSHA256 = \(literal(sha256)), documentProfile = \(literal(profile.rawValue));
            const corrections = new Map(), accepted = new Map();
            const editor = document.getElementById("editor"), field = document.getElementById("editor-text");
            let current = null;
            const key = (b) => b.dataset.line + ":" + b.dataset.col;
            function open(b) {
              current = b;
              document.getElementById("editor-title").textContent = "Line " + b.dataset.line + ": \\u201c" + b.dataset.text + "\\u201d" + (b.dataset.from ? " (OCR read \\u201c" + b.dataset.from + "\\u201d)" : "");
              const alts = (b.dataset.alternatives || "").split("\\u001f").filter(Boolean);
              document.getElementById("editor-alternatives").textContent = alts.length ? "Alternatives: " + alts.join(", ") : "";
              field.value = corrections.has(key(b)) ? corrections.get(key(b)).corrected : b.dataset.text;
              editor.hidden = false; field.focus(); field.select();
            }
            function close() { editor.hidden = true; if (current) current.focus(); current = null; }
            function count() {
              document.getElementById("decisions").textContent = corrections.size + " corrected, " + accepted.size + " accepted.";
            }
            document.querySelector("table.lines").addEventListener("click", (e) => { const b = e.target.closest("button.w"); if (b) open(b); });
            editor.addEventListener("submit", (e) => {
              e.preventDefault();
              const text = field.value.trim();
              if (!current || !text) return;
              const k = key(current);
              if (text === current.dataset.text) { corrections.delete(k); current.textContent = text; current.classList.remove("corrected"); }
              else {
                corrections.set(k, { line: +current.dataset.line, column: +current.dataset.col, text: current.dataset.text, corrected: text });
                current.textContent = text; current.classList.add("corrected");
              }
              accepted.delete(k); current.classList.remove("accepted"); count(); close();
            });
            document.getElementById("editor-accept").addEventListener("click", () => {
              if (!current) return;
              const k = key(current);
              corrections.delete(k); current.textContent = current.dataset.text; current.classList.remove("corrected");
              accepted.set(k, { line: +current.dataset.line, column: +current.dataset.col, text: current.dataset.text });
              current.classList.add("accepted"); count(); close();
            });
            document.getElementById("editor-cancel").addEventListener("click", close);
            editor.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
            document.getElementById("export").addEventListener("click", () => {
              const byPlace = (a, b) => a.line - b.line || a.column - b.column;
              const file = { schema: "\(Corrections.schema)", document: documentName, sha256: documentSHA256, profile: documentProfile,
                             corrections: [...corrections.values()].sort(byPlace), accepted: [...accepted.values()].sort(byPlace) };
              const url = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2) + "\\n"], { type: "application/json" }));
              const a = document.createElement("a");
              a.href = url; a.download = documentName.replace(/\\.[^.]*$/, "") + ".corrections.json";
              document.body.appendChild(a); a.click(); a.remove(); URL.revokeObjectURL(url);
            });
            """
    }

    /// The index: one row per document, sortable by any column.
    public static func index(_ docs: [Document], failed: [(name: String, reason: String)] = []) -> String {
        var rows = ""
        for d in docs {
            let e = d.extraction
            rows += "<tr><td><a href=\"\(escape(pageLink(d.page)))\">\(escape(d.name))</a></td><td>\(d.restoration.profile.rawValue)</td>"
                + "<td data-value=\"\(d.restoration.wordCount)\">\(d.restoration.wordCount)</td>"
                + "<td data-value=\"\(d.restoration.changes.count)\">\(d.restoration.changes.count)</td>"
                + "<td data-value=\"\(d.lowConfidenceCount)\">\(d.lowConfidenceCount)</td>"
                + "<td data-value=\"\(e?.targets.count ?? 0)\">\(e?.targets.count ?? 0)</td>"
                + "<td data-value=\"\(e?.deadlines.count ?? 0)\">\(e?.deadlines.count ?? 0)</td>"
                + "<td data-value=\"\(e?.agencies.count ?? 0)\">\(e?.agencies.count ?? 0)</td></tr>\n"
        }
        let failures = failed.isEmpty ? "" : "<h2 id=\"failed\">Not reviewed (\(failed.count))</h2>\n<ul aria-labelledby=\"failed\">\n"
            + failed.map { "<li>\(escape($0.name)): \(escape($0.reason))</li>" }.joined(separator: "\n") + "\n</ul>\n"
        let columns = ["Document", "Profile", "Words", "Changes", "Uncertain", "Targets", "Deadlines", "Agencies"]
        let headers = columns.enumerated().map { i, c in
            "<th scope=\"col\" aria-sort=\"\(i == 0 ? "ascending" : "none")\"><button type=\"button\" data-column=\"\(i)\">\(c)</button></th>"
        }.joined()
        return head(title: "kehoach review — \(docs.count) documents", style: style) + """
            <body>
            <main>
            <h1>Review: \(docs.count) documents</h1>
            <p class="summary">\(docs.reduce(0) { $0 + $1.restoration.changes.count }) words changed by restoration, \(docs.reduce(0) { $0 + $1.lowConfidenceCount }) of them uncertain. Select a column's name to sort by it.</p>
            <table id="documents">
            <thead><tr>\(headers)</tr></thead>
            <tbody>
            \(rows)</tbody>
            </table>
            \(failures)</main>
            <script>
            "use strict";
            const table = document.getElementById("documents");
            table.querySelectorAll("th button").forEach((button) => button.addEventListener("click", () => {
              const column = +button.dataset.column, th = button.parentElement;
              const ascending = th.getAttribute("aria-sort") !== "ascending";
              table.querySelectorAll("th").forEach((h) => h.setAttribute("aria-sort", "none"));
              th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
              const value = (tr) => { const td = tr.children[column]; return td.dataset.value !== undefined ? +td.dataset.value : td.textContent; };
              const rows = [...table.tBodies[0].rows].sort((a, b) => {
                const x = value(a), y = value(b);
                const order = typeof x === "number" ? x - y : String(x).localeCompare(String(y), "vi");
                return ascending ? order : -order;
              });
              rows.forEach((r) => table.tBodies[0].appendChild(r));
            }));
            </script>
            </body>
            </html>

            """
    }
}
