import Foundation

/// One document's extracted data: the JSON contract `kehoach.extract/1` (docs/extraction.md).
/// Fields may be added; the contract's are never renamed or dropped. Dates are ISO 8601
/// (partial forms "2025-12", "--11-30", "---25" where the text gives no more).
public struct ExtractionResult: Codable, Equatable, Sendable {
    public var schema = "kehoach.extract/1"
    public var source: Source
    public var document: DocumentInfo
    public var references: [Reference] = []
    public var targets: [Target] = []
    public var deadlines: [Deadline] = []
    public var agencies: [Agency] = []

    public init(source: Source, document: DocumentInfo = DocumentInfo(), references: [Reference] = [],
                targets: [Target] = [], deadlines: [Deadline] = [], agencies: [Agency] = []) {
        self.source = source
        self.document = document
        self.references = references
        self.targets = targets
        self.deadlines = deadlines
        self.agencies = agencies
    }

    public struct Source: Codable, Equatable, Sendable {
        public var path: String
        public var sha256: String
        /// The encoding the input was read from when it was not UTF-8: "utf-16le", "utf-16be",
        /// "windows-1258", "tcvn3", "vni", "viscii", "utf-8-mojibake" (TextEncoding). Absent for UTF-8.
        public var encoding: String?
        public init(path: String, sha256: String, encoding: String? = nil) {
            self.path = path; self.sha256 = sha256; self.encoding = encoding
        }
    }

    public struct DocumentInfo: Codable, Equatable, Sendable {
        public var kind: String?
        public var number: String?
        public var issuer: String?
        public var place: String?
        public var date: String?
        public var title: String?
        public var signer: String?
        public init(kind: String? = nil, number: String? = nil, issuer: String? = nil, place: String? = nil,
                    date: String? = nil, title: String? = nil, signer: String? = nil) {
            self.kind = kind; self.number = number; self.issuer = issuer; self.place = place
            self.date = date; self.title = title; self.signer = signer
        }
    }

    public struct Reference: Codable, Equatable, Sendable {
        public var kind: String
        public var number: String
        public var date: String?
        public var text: String
        public var line: Int
        public init(kind: String, number: String, date: String?, text: String, line: Int) {
            self.kind = kind; self.number = number; self.date = date; self.text = text; self.line = line
        }
    }

    public struct Target: Codable, Equatable, Sendable {
        public var indicator: String
        public var measure: String
        public var status: String
        public var value: Double
        public var unit: String
        public var population: String?
        public var year: Int?
        public var text: String
        public var line: Int
        public init(indicator: String, measure: String, status: String, value: Double, unit: String,
                    population: String?, year: Int?, text: String, line: Int) {
            self.indicator = indicator; self.measure = measure; self.status = status; self.value = value
            self.unit = unit; self.population = population; self.year = year; self.text = text; self.line = line
        }
    }

    public struct Deadline: Codable, Equatable, Sendable {
        public var date: String?
        public var recurrence: String?
        public var text: String
        public var agencies: [String]
        public var line: Int
        public init(date: String?, recurrence: String?, text: String, agencies: [String], line: Int) {
            self.date = date; self.recurrence = recurrence; self.text = text; self.agencies = agencies; self.line = line
        }
    }

    public struct Agency: Codable, Equatable, Sendable {
        public var name: String
        public var role: String
        public var aliases: [String]
        public var text: String
        public var line: Int
        public init(name: String, role: String, aliases: [String] = [], text: String, line: Int) {
            self.name = name; self.role = role; self.aliases = aliases; self.text = text; self.line = line
        }
    }

    /// Stable JSON: keys sorted, no escaped slashes, explicit nulls for the contract's optional fields.
    public func jsonData(pretty: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// A problem found in a rule file, named by file and line so that a reviewer can go straight to it.
public struct RuleDiagnostic: Codable, Equatable, Sendable, CustomStringConvertible {
    public enum Severity: String, Codable, Sendable { case error, warning }
    public let file: String
    public let line: Int
    public let severity: Severity
    public let message: String

    public init(file: String, line: Int, severity: Severity = .error, message: String) {
        self.file = file; self.line = line; self.severity = severity; self.message = message
    }

    public var description: String { "\(file):\(line): \(severity.rawValue): \(message)" }
}

// The contract (docs/extraction.md) shows a field with no value as null ("signer": null,
// "recurrence": null): synthesized encoding would leave the key out, so these write every field.
extension ExtractionResult.DocumentInfo {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind); try c.encode(number, forKey: .number); try c.encode(issuer, forKey: .issuer)
        try c.encode(place, forKey: .place); try c.encode(date, forKey: .date); try c.encode(title, forKey: .title)
        try c.encode(signer, forKey: .signer)
    }
}

extension ExtractionResult.Reference {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind); try c.encode(number, forKey: .number); try c.encode(date, forKey: .date)
        try c.encode(text, forKey: .text); try c.encode(line, forKey: .line)
    }
}

extension ExtractionResult.Target {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(indicator, forKey: .indicator); try c.encode(measure, forKey: .measure); try c.encode(status, forKey: .status)
        try c.encode(value, forKey: .value); try c.encode(unit, forKey: .unit); try c.encode(population, forKey: .population)
        try c.encode(year, forKey: .year); try c.encode(text, forKey: .text); try c.encode(line, forKey: .line)
    }
}

extension ExtractionResult.Deadline {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(date, forKey: .date); try c.encode(recurrence, forKey: .recurrence); try c.encode(text, forKey: .text)
        try c.encode(agencies, forKey: .agencies); try c.encode(line, forKey: .line)
    }
}
