import Foundation

/// How `kehoach eval` prints a comparison: text for a terminal, markdown for a pull-request
/// comment, json for tools, junit for CI test reports (one testcase per gated metric).
public enum EvalFormat: String, CaseIterable, Sendable {
    case text, markdown, json, junit

    static let maxDiffItems = 40

    public func render(_ c: EvalComparison) -> String {
        switch self {
        case .text: return EvalFormat.text(c)
        case .markdown: return EvalFormat.markdown(c)
        case .json: return EvalFormat.json(c)
        case .junit: return EvalFormat.junit(c)
        }
    }

    static func value(_ name: String, _ v: Double?) -> String {
        guard let v else { return "—" }
        let isCount = name.hasSuffix(".words") || name.hasSuffix(".harm") || name.hasSuffix("_right")
            || name.hasSuffix(".right") || name.hasSuffix(".total")
        return isCount ? String(Int(v)) : String(format: "%.4f", v)
    }

    static func delta(_ r: EvalComparison.Row) -> String {
        guard let d = r.delta else { return "" }
        if abs(d) < 1e-9 { return "" }
        return (d > 0 ? "+" : "") + value(r.name, d)
    }

    public static func summary(_ c: EvalComparison) -> String {
        if !c.hasBaseline { return "eval: no baseline to compare with (record one with --update-baseline)" }
        var parts: [String] = []
        if !c.dropped.isEmpty {
            parts.append("dropped beyond tolerance (\(String(format: "%.4f", c.tolerance)), harm +\(c.harmTolerance)): "
                         + c.dropped.map { "\($0.name) \(value($0.name, $0.baseline)) → \(value($0.name, $0.current))" }.joined(separator: ", "))
        }
        if !c.errors.isEmpty { parts.append("\(c.errors.count) error\(c.errors.count == 1 ? "" : "s")") }
        return parts.isEmpty ? "eval: ok, no metric dropped beyond tolerance" : "eval: FAILED: " + parts.joined(separator: "; ")
    }

    static func diffLines(_ d: EvalComparison.DocumentDiff) -> [String] {
        var out: [String] = []
        func list(_ title: String, _ items: [String]) {
            guard !items.isEmpty else { return }
            let shown = items.prefix(maxDiffItems).joined(separator: ", ")
            out.append("\(title) (\(items.count)): \(shown)\(items.count > maxDiffItems ? ", …" : "")")
        }
        list("newly wrong", d.newlyWrong.map { "L\($0.line) \($0.word)" })
        list("newly right", d.newlyRight.map { "L\($0.line) \($0.word)" })
        list("lines whose words changed (gold edited?)", d.changedLines.map { "L\($0)" })
        list("entities lost", d.lost)
        list("entities gained", d.gained)
        list("new spurious entities", d.newSpurious)
        list("spurious entities gone", d.goneSpurious)
        return out
    }

    static func text(_ c: EvalComparison) -> String {
        var out: [String] = []
        for e in c.errors { out.append("error: \(e)") }
        for n in c.notes { out.append("note: \(n)") }
        let width = max(40, (c.rows.map(\.name.count).max() ?? 0) + 2)
        out.append("metric".padding(toLength: width, withPad: " ", startingAt: 0) + "  baseline   current     delta  status")
        for r in c.rows {
            out.append(r.name.padding(toLength: width, withPad: " ", startingAt: 0)
                       + "  " + pad(value(r.name, r.baseline), 8) + "  " + pad(value(r.name, r.current), 8)
                       + "  " + pad(delta(r), 8) + "  " + (r.status == .info ? "" : r.status.rawValue))
        }
        if !c.diffs.isEmpty { out.append("") ; out.append("changes against the baseline:") }
        for d in c.diffs {
            out.append("  \(d.document)")
            for l in diffLines(d) { out.append("    " + l) }
        }
        out.append(summary(c))
        return out.joined(separator: "\n") + "\n"
    }

    static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : String(repeating: " ", count: n - s.count) + s
    }

    static func markdown(_ c: EvalComparison) -> String {
        var out: [String] = []
        let icon: [EvalComparison.Status: String] = [.ok: "", .improved: "⬆️", .dropped: "❌ dropped", .new: "new", .missing: "❌ missing", .info: ""]
        out.append("### kehoach eval: \(c.passed ? "✅ passed" : "❌ failed")")
        out.append("")
        for e in c.errors { out.append("- **error:** \(e)") }
        for n in c.notes { out.append("- note: \(n)") }
        if !c.errors.isEmpty || !c.notes.isEmpty { out.append("") }
        func table(_ rows: [EvalComparison.Row]) {
            out.append("| metric | baseline | current | Δ | |")
            out.append("| --- | ---: | ---: | ---: | --- |")
            for r in rows {
                out.append("| `\(r.name)` | \(value(r.name, r.baseline)) | \(value(r.name, r.current)) | \(delta(r)) | \(icon[r.status] ?? "") |")
            }
        }
        table(c.rows.filter { !$0.name.contains(".doc.") })
        let perDoc = c.rows.filter { $0.name.contains(".doc.") }
        if !perDoc.isEmpty {
            out.append("")
            out.append("<details><summary>Per document</summary>")
            out.append("")
            table(perDoc)
            out.append("")
            out.append("</details>")
        }
        if !c.diffs.isEmpty {
            out.append("")
            out.append("<details><summary>Changes against the baseline</summary>")
            out.append("")
            for d in c.diffs {
                out.append("- **\(d.document)**")
                for l in diffLines(d) { out.append("  - " + l) }
            }
            out.append("")
            out.append("</details>")
        }
        out.append("")
        out.append(summary(c))
        return out.joined(separator: "\n") + "\n"
    }

    static func json(_ c: EvalComparison) -> String {
        var metrics: [String: JSONValue] = [:]
        for r in c.rows {
            var o: [String: JSONValue] = ["status": .string(r.status.rawValue), "gated": .bool(r.gated)]
            o["baseline"] = r.baseline.map(JSONValue.number) ?? .null
            o["current"] = r.current.map(JSONValue.number) ?? .null
            o["delta"] = r.delta.map { JSONValue.number(ExtractMetric.round($0)) } ?? .null
            metrics[r.name] = .object(o)
        }
        var diffs: [String: JSONValue] = [:]
        for d in c.diffs {
            func words(_ l: [(line: Int, word: String)]) -> JSONValue {
                .array(l.map { .object(["line": .number(Double($0.line)), "word": .string($0.word)]) })
            }
            func strings(_ l: [String]) -> JSONValue { .array(l.map(JSONValue.string)) }
            diffs[d.document] = .object([
                "newly_wrong": words(d.newlyWrong), "newly_right": words(d.newlyRight),
                "changed_lines": .array(d.changedLines.map { .number(Double($0)) }),
                "entities_lost": strings(d.lost), "entities_gained": strings(d.gained),
                "new_spurious": strings(d.newSpurious), "spurious_gone": strings(d.goneSpurious),
            ])
        }
        let root: JSONValue = .object([
            "passed": .bool(c.passed),
            "has_baseline": .bool(c.hasBaseline),
            "tolerance": .number(c.tolerance),
            "harm_tolerance": .number(Double(c.harmTolerance)),
            "dropped": .array(c.dropped.map { .string($0.name) }),
            "errors": .array(c.errors.map(JSONValue.string)),
            "notes": .array(c.notes.map(JSONValue.string)),
            "metrics": .object(metrics),
            "diff": .object(diffs),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(root)) ?? Data(), as: UTF8.self) + "\n"
    }

    static func xml(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func junit(_ c: EvalComparison) -> String {
        let gated = c.rows.filter(\.gated)
        var cases: [String] = []
        for e in c.errors {
            cases.append("    <testcase classname=\"kehoach.eval\" name=\"run\"><failure message=\"\(xml(e))\"/></testcase>")
        }
        if !c.hasBaseline {
            cases.append("    <testcase classname=\"kehoach.eval\" name=\"baseline\"><failure message=\"no baseline to compare with\"/></testcase>")
        }
        for r in gated {
            let group = r.name.split(separator: ".").prefix(2).joined(separator: ".")
            var line = "    <testcase classname=\"\(xml(group))\" name=\"\(xml(r.name))\""
            if r.status == .dropped || r.status == .missing {
                let msg = r.status == .missing ? "\(r.name) is in the baseline but was not measured"
                    : "\(r.name) dropped: \(value(r.name, r.baseline)) → \(value(r.name, r.current))"
                line += "><failure message=\"\(xml(msg))\"/></testcase>"
            } else {
                line += "><system-out>\(xml("baseline \(value(r.name, r.baseline)) current \(value(r.name, r.current))"))</system-out></testcase>"
            }
            cases.append(line)
        }
        let failures = c.errors.count + (c.hasBaseline ? 0 : 1) + c.dropped.count
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites>
          <testsuite name="kehoach.eval" tests="\(cases.count)" failures="\(failures)">
        \(cases.joined(separator: "\n"))
          </testsuite>
        </testsuites>

        """
    }
}
