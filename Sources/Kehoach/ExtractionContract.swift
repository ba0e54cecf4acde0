import Foundation

/// Checks one line of `extract --jsonl` output against the contract it claims (docs/extraction.md)
/// before `ingest` stores it, and says which field it refuses and why: a line a store cannot
/// trace back (a path with NUL, which SQLite compares as cut short), a schema this version does
/// not read, or a value of the wrong kind.
public enum ExtractionContract {
    public static let schema = "kehoach.extract/1"
    static let indicators: Set = ["BHXH", "BHXH bắt buộc", "BHXH tự nguyện", "BHTN", "BHYT", "khác"]
    static let measures: Set = ["rate", "count", "growth", "amount"]
    static let statuses: Set = ["target", "actual"]
    static let roles: Set = ["lead", "support", "assigned"]

    public struct Violation: Error, CustomStringConvertible, Equatable, Sendable {
        public let description: String
    }

    /// The extraction on one JSON line, or the Violation naming the field that breaks the contract.
    public static func result(fromJSONLine data: Data) throws -> ExtractionResult {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw Violation(description: "invalid JSON" + (jsonErrorDetail(error).map { ": \($0)" } ?? ""))
        }
        guard let fields = object as? [String: Any] else { throw Violation(description: "not a JSON object") }
        guard let claimed = fields["schema"] else { throw Violation(description: "missing field schema") }
        guard let name = claimed as? String, name == schema else {
            throw Violation(description: "unknown schema \(describe(claimed)) (this kehoach reads \"\(schema)\")")
        }
        try checkWholeNumbers(fields)
        let result: ExtractionResult
        do {
            result = try JSONDecoder().decode(ExtractionResult.self, from: data)
        } catch let error as DecodingError {
            throw Violation(description: describe(error, in: object))
        }
        try checkValues(result)
        return result
    }

    /// Line numbers and years are whole numbers. Checked here because Foundation's decoder says
    /// only "not valid JSON" of valid JSON with 1.5 where a whole number belongs.
    static func checkWholeNumbers(_ fields: [String: Any]) throws {
        for list in ["references", "targets", "deadlines", "agencies"] {
            guard let items = fields[list] as? [Any] else { continue }
            for (i, item) in items.enumerated() {
                guard let item = item as? [String: Any] else { continue }
                for field in ["line", "year"] {
                    guard let number = item[field] as? NSNumber, String(cString: number.objCType) != "c" else { continue }
                    let value = number.doubleValue
                    if value != value.rounded() || abs(value) >= 9.0e15 {
                        throw Violation(description: "\(list)[\(i)].\(field): expected a whole number, found \(describe(number))")
                    }
                }
            }
        }
    }

    /// The values the contract lists, and a source that can name a file.
    static func checkValues(_ r: ExtractionResult) throws {
        func refuse(_ field: String, _ why: String) throws -> Never { throw Violation(description: "\(field): \(why)") }
        if r.source.path.isEmpty { try refuse("source.path", "is empty") }
        if r.source.path.unicodeScalars.contains("\u{0}") {
            try refuse("source.path", "holds a NUL character (U+0000), which no file path can")
        }
        func checkLine(_ line: Int, _ field: String) throws {
            if line < 1 { try refuse(field, "\(line) is not a line number (lines count from 1)") }
        }
        func checkOneOf(_ value: String, _ allowed: Set<String>, _ field: String) throws {
            if !allowed.contains(value) {
                try refuse(field, "\(describe(value)) is not one of \(allowed.sorted().map { describe($0) }.joined(separator: ", "))")
            }
        }
        for (i, x) in r.references.enumerated() { try checkLine(x.line, "references[\(i)].line") }
        for (i, t) in r.targets.enumerated() {
            try checkOneOf(t.indicator, indicators, "targets[\(i)].indicator")
            try checkOneOf(t.measure, measures, "targets[\(i)].measure")
            try checkOneOf(t.status, statuses, "targets[\(i)].status")
            try checkLine(t.line, "targets[\(i)].line")
        }
        for (i, x) in r.deadlines.enumerated() { try checkLine(x.line, "deadlines[\(i)].line") }
        for (i, a) in r.agencies.enumerated() {
            try checkOneOf(a.role, roles, "agencies[\(i)].role")
            try checkLine(a.line, "agencies[\(i)].line")
        }
    }

    /// A decoding error as the field and what was wrong with it: "targets[0].line: expected a
    /// whole number, found 1.5".
    static func describe(_ error: DecodingError, in object: Any) -> String {
        func path(_ codingPath: [CodingKey]) -> String {
            var out = ""
            for key in codingPath {
                if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
            }
            return out
        }
        func found(_ codingPath: [CodingKey]) -> String {
            value(at: codingPath, in: object).map { "found " + describe($0) } ?? "found nothing"
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            return "missing field \(path(ctx.codingPath + [key]))"
        case .typeMismatch(let type, let ctx):
            return "\(path(ctx.codingPath)): expected \(kind(type)), \(found(ctx.codingPath))"
        case .valueNotFound(let type, let ctx):
            return "\(path(ctx.codingPath)): expected \(kind(type)), found null"
        case .dataCorrupted(let ctx):
            // Foundation says a number that does not fit the field's type (1.5 for a line) is corrupt data.
            if let number = value(at: ctx.codingPath, in: object) as? NSNumber, !ctx.codingPath.isEmpty {
                return "\(path(ctx.codingPath)): expected a whole number, found \(describe(number))"
            }
            return ctx.codingPath.isEmpty ? ctx.debugDescription : "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func value(at codingPath: [CodingKey], in object: Any) -> Any? {
        var current: Any? = object
        for key in codingPath {
            if let i = key.intValue, let array = current as? [Any] {
                current = i < array.count ? array[i] : nil
            } else {
                current = (current as? [String: Any])?[key.stringValue]
            }
        }
        return current
    }

    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type: return "a whole number"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "true or false"
        default: return "\(type)".hasPrefix("Array") ? "an array" : "an object"
        }
    }

    private static func describe(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case let s as String: return "\"" + s.replacingOccurrences(of: "\u{0}", with: "\\u0000") + "\""
        case let n as NSNumber:
            // JSONSerialization gives true and false as NSNumbers of type char.
            return String(cString: n.objCType) == "c" ? (n.boolValue ? "true" : "false") : "the number \(n)"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "\(value)"
        }
    }

    /// Foundation's reason a text is not JSON, where it gives one.
    private static func jsonErrorDetail(_ error: Error) -> String? {
        (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
    }
}
