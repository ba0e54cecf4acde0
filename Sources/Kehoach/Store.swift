import Foundation
import GRDB

/// The SQLite store of extracted documents (stage 6 of the pipeline).
///
/// One row per document in `documents`, keyed by the document's path; its targets, deadlines,
/// agencies and cited documents (`legal_refs`) hang off it, keyed by (document_path, ord) where
/// `ord` is the item's position in the extraction JSON. Natural keys rather than row ids keep the
/// store's content independent of the order documents were ingested in (and of `--jobs`).
/// Every name a user filters on has a folded copy (`*_folded`: case, diacritics, đ and runs of
/// white space folded away) so that "ha noi" finds "Hà Nội".
///
/// Documents, targets and deadlines carry the commune, district and province they belong to, and
/// the province (and commune) that holds them since the reorganisation of 2025-07-01, resolved by
/// `Places` from what the store holds of the document; a store opened with other place rules (or
/// made before places were resolved) is re-resolved when opened for writing.
public final class Store: @unchecked Sendable {
    public let path: String
    public let dbQueue: DatabaseQueue
    /// The gazetteer places are resolved with; nil: none (only a province an issuer names is kept).
    public let places: Places?

    /// Opens (creating and migrating) a store for writing. Documents whose places were resolved
    /// with other rules (or never) are resolved again.
    public init(path: String, places: Places? = Places.standard) throws {
        self.path = path
        self.places = places
        try PosixFile.makeDirectories(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            dbQueue = try DatabaseQueue(path: path, configuration: config)
            // WAL while writing: one fsync per checkpoint rather than per document.
            try dbQueue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            try Store.migrator.migrate(dbQueue)
            if let places {
                try dbQueue.write { db in
                    let stale = try String.fetchAll(db, sql: """
                        SELECT path FROM documents WHERE status = 'ok' AND (places_version IS NULL OR places_version <> ?)
                        """, arguments: [places.version])
                    for p in stale { try Store.resolvePlaces(path: p, places: places, in: db) }
                }
            }
        } catch let error as DatabaseError {
            throw StoreError(database: path, error)
        }
    }

    /// Brings a store an older kehoach made up to this version's schema (places resolved), in
    /// place; false when it already was. A store that cannot be written is refused with a message
    /// saying so.
    @discardableResult
    public static func upgradeIfOld(path: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        var config = Configuration()
        config.readonly = true
        let current: Bool
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            current = try queue.read { db in
                // not a store at all: left to openReadOnly to say so
                guard try db.tableExists("documents") else { return true }
                return try migrator.hasCompletedMigrations(db)
            }
        } catch let error as DatabaseError {
            throw StoreError(database: path, error)
        }
        if current { return false }
        do {
            let store = try Store(path: path)
            try store.finish()
        } catch {
            throw StoreError("\(path): made by an older kehoach and cannot be upgraded here (\(error)); "
                             + "copy it somewhere writable and query the copy, or rebuild it with `kehoach batch` or `kehoach ingest`")
        }
        return true
    }

    /// Opens an existing store read-only (queries). Fails when the file is missing or not a store.
    /// The agency key of a name, or of each name of a JSON list joined by "|" (so that a filter
    /// never matches across two names).
    static func agencyKeys(_ text: String) -> String {
        guard text.hasPrefix("["), let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
            return Extractor.agencyKey(text)
        }
        return "|" + names.map(Extractor.agencyKey).joined(separator: "|") + "|"
    }

    public static func openReadOnly(path: String) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError("\(path): no such database (run `kehoach batch … --db \(path)` or `kehoach ingest` first)")
        }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(30)
        // Agency filters compare bodies' names as extraction merges them: abbreviations expanded,
        // marks, case, spaces and punctuation ignored ("BHXH huyện" = "Bảo hiểm xã hội huyện").
        config.prepareDatabase { db in
            db.add(function: DatabaseFunction("kh_agency_key", argumentCount: 1, pure: true) { values in
                String.fromDatabaseValue(values[0].databaseValue).map(Store.agencyKeys)
            })
        }
        let queue: DatabaseQueue
        let ok: Bool
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            ok = try queue.read { db in try db.tableExists("documents") && db.tableExists("targets") }
        } catch let error as DatabaseError {
            throw StoreError(database: path, error)
        }
        guard ok else { throw StoreError("\(path): not a kehoach database (no documents table)") }
        let current = try queue.read { db in try db.columns(in: "targets").contains { $0.name == "province_2025" } }
        guard current else {
            throw StoreError("\(path): made by an older kehoach (no place columns); `kehoach query` upgrades it when the file is writable, "
                             + "or rebuild it with `kehoach batch` or `kehoach ingest`")
        }
        return queue
    }

    /// Leaves the file self-contained (rollback journal, no -wal/-shm beside it), so that it can be
    /// copied or opened read-only anywhere.
    /// Best effort: while another process reads the store it stays in WAL mode, which is harmless.
    public func finish() throws {
        dbQueue.writeWithoutTransaction { db in
            try? db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            try? db.execute(sql: "PRAGMA journal_mode = DELETE")
        }
    }

    // MARK: Schema

    /// Versioned schema: add a migration for every change; never edit a registered one.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE documents (
                    path TEXT PRIMARY KEY NOT NULL,
                    sha256 TEXT,
                    status TEXT NOT NULL,              -- ok | failed
                    origin TEXT NOT NULL,              -- batch | ingest
                    error_kind TEXT,                   -- empty, binary, invalid-utf8, … (failed only)
                    error TEXT,
                    error_offset INTEGER,              -- byte offset of the offending byte
                    schema TEXT,
                    kind TEXT, kind_folded TEXT,
                    number TEXT, number_folded TEXT,
                    issuer TEXT, issuer_folded TEXT,
                    place TEXT, place_folded TEXT,
                    province TEXT, province_folded TEXT,
                    date TEXT,
                    year INTEGER,
                    title TEXT, title_folded TEXT,
                    signer TEXT, signer_folded TEXT,
                    rules_fingerprint TEXT,            -- batch only: rules the outputs were made with
                    restored_path TEXT, restored_sha256 TEXT,
                    json_path TEXT, json_sha256 TEXT
                );
                CREATE INDEX documents_place ON documents(place_folded);
                CREATE INDEX documents_province ON documents(province_folded);
                CREATE TABLE legal_refs (
                    document_path TEXT NOT NULL REFERENCES documents(path) ON DELETE CASCADE,
                    ord INTEGER NOT NULL,
                    kind TEXT NOT NULL, kind_folded TEXT NOT NULL,
                    number TEXT NOT NULL, number_folded TEXT NOT NULL,
                    date TEXT,
                    text TEXT NOT NULL,
                    line INTEGER NOT NULL,
                    PRIMARY KEY (document_path, ord)
                ) WITHOUT ROWID;
                CREATE INDEX legal_refs_number ON legal_refs(number_folded);
                CREATE TABLE targets (
                    document_path TEXT NOT NULL REFERENCES documents(path) ON DELETE CASCADE,
                    ord INTEGER NOT NULL,
                    indicator TEXT NOT NULL, indicator_folded TEXT NOT NULL,
                    measure TEXT NOT NULL,
                    status TEXT NOT NULL,
                    value REAL NOT NULL,
                    unit TEXT NOT NULL,
                    population TEXT, population_folded TEXT,
                    year INTEGER,
                    text TEXT NOT NULL,
                    line INTEGER NOT NULL,
                    PRIMARY KEY (document_path, ord)
                ) WITHOUT ROWID;
                CREATE INDEX targets_indicator ON targets(indicator_folded, year);
                CREATE TABLE deadlines (
                    document_path TEXT NOT NULL REFERENCES documents(path) ON DELETE CASCADE,
                    ord INTEGER NOT NULL,
                    date TEXT,
                    recurrence TEXT,
                    text TEXT NOT NULL,
                    agencies TEXT NOT NULL,            -- JSON array of names
                    agencies_folded TEXT NOT NULL,     -- folded names, each between \u{1F} separators
                    line INTEGER NOT NULL,
                    PRIMARY KEY (document_path, ord)
                ) WITHOUT ROWID;
                CREATE INDEX deadlines_date ON deadlines(date);
                CREATE TABLE agencies (
                    document_path TEXT NOT NULL REFERENCES documents(path) ON DELETE CASCADE,
                    ord INTEGER NOT NULL,
                    name TEXT NOT NULL, name_folded TEXT NOT NULL,
                    role TEXT NOT NULL,
                    aliases TEXT NOT NULL,             -- JSON array
                    aliases_folded TEXT NOT NULL,      -- folded aliases, each between \u{1F} separators
                    text TEXT NOT NULL,
                    line INTEGER NOT NULL,
                    PRIMARY KEY (document_path, ord)
                ) WITHOUT ROWID;
                CREATE INDEX agencies_name ON agencies(name_folded);
                """)
        }
        // A batch document is its content: a file found again at another path (same SHA-256) is
        // stored once, under the first of its paths; the others are recorded here with the
        // outputs written for them, so that reruns skip them and queries count the document once.
        // No foreign key: when the stored copy goes, the batch promotes one of these.
        migrator.registerMigration("v2 document copies") { db in
            try db.execute(sql: """
                CREATE TABLE document_copies (
                    path TEXT PRIMARY KEY NOT NULL,
                    document_path TEXT NOT NULL,       -- the documents row holding the extraction
                    sha256 TEXT NOT NULL,
                    rules_fingerprint TEXT NOT NULL,
                    restored_path TEXT NOT NULL, restored_sha256 TEXT NOT NULL,
                    json_path TEXT NOT NULL, json_sha256 TEXT NOT NULL
                );
                CREATE INDEX document_copies_document ON document_copies(document_path);
                """)
        }
        // Places (issue 16): every document, target and deadline carries its commune, district and
        // province and the province (documents: and commune) holding it from 2025-07-01; filled by
        // `resolvePlaces` when the store is next opened for writing.
        migrator.registerMigration("v3 places") { db in
            var sql = """
                ALTER TABLE documents ADD COLUMN commune TEXT;
                ALTER TABLE documents ADD COLUMN commune_folded TEXT;
                ALTER TABLE documents ADD COLUMN district TEXT;
                ALTER TABLE documents ADD COLUMN district_folded TEXT;
                ALTER TABLE documents ADD COLUMN province_2025 TEXT;
                ALTER TABLE documents ADD COLUMN province_2025_folded TEXT;
                ALTER TABLE documents ADD COLUMN commune_2025 TEXT;
                ALTER TABLE documents ADD COLUMN places_version TEXT;  -- Places.version they were resolved with
                CREATE INDEX documents_province_2025 ON documents(province_2025_folded);
                CREATE INDEX documents_district ON documents(district_folded);

                """
            for table in ["targets", "deadlines"] {
                for column in ["commune", "district", "province", "province_2025"] {
                    sql += "ALTER TABLE \(table) ADD COLUMN \(column) TEXT;\nALTER TABLE \(table) ADD COLUMN \(column)_folded TEXT;\n"
                }
                sql += "CREATE INDEX \(table)_province ON \(table)(province_folded);\n"
                sql += "CREATE INDEX \(table)_province_2025 ON \(table)(province_2025_folded);\n"
            }
            try db.execute(sql: sql)
        }
        return migrator
    }

    // MARK: Places

    /// Resolves a stored document's places from what the store holds of it (its header's fields,
    /// the texts of its references, targets, deadlines and agencies) and writes them on the
    /// document, its targets (a target whose population names a unit inside the document's gets
    /// that unit) and its deadlines. Without `places`, only the province its issuer names.
    static func resolvePlaces(path: String, places: Places?, in db: Database) throws {
        guard let doc = try Row.fetchOne(db, sql: "SELECT issuer, place, title, date FROM documents WHERE path = ?", arguments: [path]) else { return }
        var division = Places.Division()
        var populations: [(ord: Int, population: String?)] = []
        for row in try Row.fetchAll(db, sql: "SELECT ord, population FROM targets WHERE document_path = ? ORDER BY ord", arguments: [path]) {
            populations.append((row["ord"], row["population"]))
        }
        if let places {
            var context: [String] = []
            context += try String.fetchAll(db, sql: "SELECT text FROM legal_refs WHERE document_path = ? ORDER BY ord", arguments: [path])
            for row in try Row.fetchAll(db, sql: "SELECT text, population FROM targets WHERE document_path = ? ORDER BY ord", arguments: [path]) {
                context.append(row["text"]); if let p: String = row["population"] { context.append(p) }
            }
            for row in try Row.fetchAll(db, sql: "SELECT text, agencies FROM deadlines WHERE document_path = ? ORDER BY ord", arguments: [path]) {
                context.append(row["text"]); context += names(row["agencies"])
            }
            for row in try Row.fetchAll(db, sql: "SELECT name, aliases, text FROM agencies WHERE document_path = ? ORDER BY ord", arguments: [path]) {
                context.append(row["name"]); context += names(row["aliases"]); context.append(row["text"])
            }
            division = places.resolve(Places.Inputs(issuer: doc["issuer"], place: doc["place"], title: doc["title"], date: doc["date"], context: context))
        }
        // a province the issuer names that the gazetteer does not know (a damaged name) is kept as before
        if division.province == nil, let p = Store.province(issuer: doc["issuer"]) {
            division.province = p
            division.province2025 = places?.province2025(of: p)
        }
        let d = division
        try db.execute(sql: """
            UPDATE documents SET commune = ?, commune_folded = ?, district = ?, district_folded = ?, province = ?, province_folded = ?,
                province_2025 = ?, province_2025_folded = ?, commune_2025 = ?, places_version = ?
            WHERE path = ?
            """, arguments: [d.commune, fold(d.commune), d.district, fold(d.district), d.province, fold(d.province),
                             d.province2025, fold(d.province2025), d.commune2025, places?.version, path])
        let setPlaces = """
            commune = ?, commune_folded = ?, district = ?, district_folded = ?, province = ?, province_folded = ?,
            province_2025 = ?, province_2025_folded = ?
            """
        func arguments(_ d: Places.Division) -> [DatabaseValueConvertible?] {
            [d.commune, fold(d.commune), d.district, fold(d.district), d.province, fold(d.province), d.province2025, fold(d.province2025)]
        }
        try db.execute(sql: "UPDATE deadlines SET \(setPlaces) WHERE document_path = ?", arguments: StatementArguments(arguments(d) + [path]))
        try db.execute(sql: "UPDATE targets SET \(setPlaces) WHERE document_path = ?", arguments: StatementArguments(arguments(d) + [path]))
        if let places {
            for t in populations {
                guard let inner = places.refine(t.population, within: d) else { continue }
                try db.execute(sql: "UPDATE targets SET \(setPlaces) WHERE document_path = ? AND ord = ?",
                               arguments: StatementArguments(arguments(inner) + [path, t.ord]))
            }
        }
    }

    /// The names of a JSON array (deadlines' and agencies' lists).
    private static func names(_ json: String?) -> [String] {
        guard let json, let list = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else { return [] }
        return list
    }

    // MARK: Folding

    /// Case, diacritics and đ folded, runs of white space made one space, ends trimmed.
    public static func fold(_ text: String) -> String {
        Normalize.fold(text).split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    static func fold(_ text: String?) -> String? { text.map { fold($0) } }

    /// Folded list for substring search: "\u{1F}a\u{1F}b\u{1F}", so that a LIKE can also anchor on whole names.
    static func foldedList(_ names: [String]) -> String {
        names.isEmpty ? "" : "\u{1F}" + names.map { fold($0) }.joined(separator: "\u{1F}") + "\u{1F}"
    }

    /// "tỉnh Lạng Sơn" / "thành phố Hà Nội" at the end of an issuer's name names its province.
    static func province(issuer: String?) -> String? {
        guard let issuer else { return nil }
        let folded = fold(issuer)
        for marker in ["tinh ", "thanh pho "] {
            guard let r = folded.range(of: marker, options: .backwards) else { continue }
            // Map the folded offset back: folding keeps one scalar per base letter, so count words.
            let wordsAfter = folded[r.upperBound...].split(separator: " ").count
            let words = issuer.split(whereSeparator: { $0.isWhitespace })
            guard wordsAfter > 0, wordsAfter <= words.count else { return nil }
            return words.suffix(wordsAfter).joined(separator: " ")
        }
        return nil
    }

    // MARK: Writing

    /// What `kehoach batch` made of a document besides its extraction: the skip manifest.
    public struct BatchRecord: Equatable, Sendable {
        public var rulesFingerprint: String
        public var restoredPath: String
        public var restoredSHA256: String
        public var jsonPath: String
        public var jsonSHA256: String
        public init(rulesFingerprint: String, restoredPath: String, restoredSHA256: String, jsonPath: String, jsonSHA256: String) {
            self.rulesFingerprint = rulesFingerprint; self.restoredPath = restoredPath; self.restoredSHA256 = restoredSHA256
            self.jsonPath = jsonPath; self.jsonSHA256 = jsonSHA256
        }
    }

    /// Stores a document, replacing whatever the store held for its path, in one transaction.
    public func replace(_ result: ExtractionResult, batch: BatchRecord? = nil) throws {
        try dbQueue.write { db in try replace(result, batch: batch, in: db) }
    }

    /// Stores several documents in one transaction (ingest).
    public func replace(_ results: [ExtractionResult]) throws {
        try dbQueue.write { db in
            for result in results { try replace(result, batch: nil, in: db) }
        }
    }

    func replace(_ r: ExtractionResult, batch: BatchRecord?, in db: Database) throws {
        try Store.insertRows(r, batch: batch, in: db)
        try Store.resolvePlaces(path: r.source.path, places: places, in: db)
    }

    /// The document's rows as extracted (places come after, from them).
    static func insertRows(_ r: ExtractionResult, batch: BatchRecord?, in db: Database) throws {
        let path = r.source.path
        try db.execute(sql: "DELETE FROM documents WHERE path = ?", arguments: [path])
        try db.execute(sql: "DELETE FROM document_copies WHERE path = ?", arguments: [path])
        let d = r.document
        let province = Store.province(issuer: d.issuer)
        let year: Int? = d.date.flatMap { $0.count >= 4 && !$0.hasPrefix("-") ? Int($0.prefix(4)) : nil }
        try db.execute(sql: """
            INSERT INTO documents (path, sha256, status, origin, schema, kind, kind_folded, number, number_folded,
                issuer, issuer_folded, place, place_folded, province, province_folded, date, year,
                title, title_folded, signer, signer_folded,
                rules_fingerprint, restored_path, restored_sha256, json_path, json_sha256)
            VALUES (?, ?, 'ok', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                path, r.source.sha256, batch == nil ? "ingest" : "batch", r.schema, d.kind, fold(d.kind), d.number, fold(d.number),
                d.issuer, fold(d.issuer), d.place, fold(d.place), province, fold(province), d.date, year,
                d.title, fold(d.title), d.signer, fold(d.signer),
                batch?.rulesFingerprint, batch?.restoredPath, batch?.restoredSHA256, batch?.jsonPath, batch?.jsonSHA256,
            ])
        for (i, x) in r.references.enumerated() {
            try db.execute(sql: """
                INSERT INTO legal_refs (document_path, ord, kind, kind_folded, number, number_folded, date, text, line)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [path, i, x.kind, fold(x.kind), x.number, fold(x.number), x.date, x.text, x.line])
        }
        for (i, t) in r.targets.enumerated() {
            try db.execute(sql: """
                INSERT INTO targets (document_path, ord, indicator, indicator_folded, measure, status, value, unit,
                    population, population_folded, year, text, line)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [path, i, t.indicator, fold(t.indicator), t.measure, t.status, t.value, t.unit,
                                 t.population, fold(t.population), t.year, t.text, t.line])
        }
        for (i, x) in r.deadlines.enumerated() {
            try db.execute(sql: """
                INSERT INTO deadlines (document_path, ord, date, recurrence, text, agencies, agencies_folded, line)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [path, i, x.date, x.recurrence, x.text, jsonArray(x.agencies), foldedList(x.agencies), x.line])
        }
        for (i, a) in r.agencies.enumerated() {
            try db.execute(sql: """
                INSERT INTO agencies (document_path, ord, name, name_folded, role, aliases, aliases_folded, text, line)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [path, i, a.name, fold(a.name), a.role, jsonArray(a.aliases), foldedList(a.aliases), a.text, a.line])
        }
    }

    /// Documents a batch stored (ok or failed) and their copies, with the outputs it wrote for them.
    public func batchDocuments() throws -> [(path: String, restoredPath: String?, jsonPath: String?)] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT path, restored_path, json_path FROM documents WHERE origin = 'batch'
                UNION ALL SELECT path, restored_path, json_path FROM document_copies ORDER BY path
                """)
                .map { ($0["path"], $0["restored_path"], $0["json_path"]) }
        }
    }

    /// Removes documents (or copies) and all their rows, in one transaction.
    public func delete(paths: [String]) throws {
        guard !paths.isEmpty else { return }
        try dbQueue.write { db in
            for path in paths {
                try db.execute(sql: "DELETE FROM documents WHERE path = ?", arguments: [path])
                try db.execute(sql: "DELETE FROM document_copies WHERE path = ?", arguments: [path])
            }
        }
    }

    /// Makes each batch content stored once: of the ok batch documents and copies sharing a
    /// SHA-256 (and rules), the first path in byte order holds the extraction and the others
    /// become copies of it. A copy that must become the stored one is read back from its JSON
    /// output (`load`); when that fails the group is left as it is. Deterministic, so that a
    /// resumed run ends as a clean one.
    public func mergeCopies(load: (_ path: String, _ record: BatchRecord) -> ExtractionResult?) throws {
        struct Member { var path: String; var isCopy: Bool; var storedUnder: String; var record: BatchRecord }
        let members: [String: [Member]] = try dbQueue.read { db in
            var groups: [String: [Member]] = [:]
            let rows = try Row.fetchAll(db, sql: """
                SELECT path, sha256, rules_fingerprint, restored_path, restored_sha256, json_path, json_sha256, 0 AS is_copy,
                       path AS document_path
                FROM documents WHERE origin = 'batch' AND status = 'ok' AND rules_fingerprint IS NOT NULL
                UNION ALL
                SELECT path, sha256, rules_fingerprint, restored_path, restored_sha256, json_path, json_sha256, 1, document_path
                FROM document_copies
                """)
            for row in rows {
                guard let sha: String = row["sha256"], let fp: String = row["rules_fingerprint"],
                      let rp: String = row["restored_path"], let rs: String = row["restored_sha256"],
                      let jp: String = row["json_path"], let js: String = row["json_sha256"] else { continue }
                groups[sha + "\u{0}" + fp, default: []].append(Member(
                    path: row["path"], isCopy: row["is_copy"] as Int == 1, storedUnder: row["document_path"],
                    record: BatchRecord(rulesFingerprint: fp, restoredPath: rp, restoredSHA256: rs, jsonPath: jp, jsonSHA256: js)))
            }
            return groups
        }
        for (key, group) in members {
            let sorted = group.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
            let first = sorted[0]
            if !first.isCopy, sorted.dropFirst().allSatisfy({ $0.isCopy && $0.storedUnder == first.path }) { continue }
            let sha = String(key[..<key.firstIndex(of: "\u{0}")!])
            var promoted: ExtractionResult?
            if first.isCopy {
                guard var result = load(first.path, first.record) else { continue }
                result.source = .init(path: first.path, sha256: sha)
                promoted = result
            }
            try dbQueue.write { db in
                if let promoted { try self.replace(promoted, batch: first.record, in: db) }
                for m in sorted.dropFirst() {
                    try db.execute(sql: "DELETE FROM documents WHERE path = ?", arguments: [m.path])
                    try db.execute(sql: """
                        INSERT OR REPLACE INTO document_copies (path, document_path, sha256, rules_fingerprint,
                            restored_path, restored_sha256, json_path, json_sha256)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [m.path, first.path, sha, m.record.rulesFingerprint, m.record.restoredPath,
                                         m.record.restoredSHA256, m.record.jsonPath, m.record.jsonSHA256])
                }
            }
        }
    }

    /// Records a batch document that could not be processed, replacing what the store held for it.
    public func recordFailure(path: String, sha256: String?, kind: String, detail: String, byteOffset: Int?, origin: String = "batch") throws {
        try dbQueue.write { db in
            try db.execute(sql: "DELETE FROM documents WHERE path = ?", arguments: [path])
            try db.execute(sql: "DELETE FROM document_copies WHERE path = ?", arguments: [path])
            try db.execute(sql: """
                INSERT INTO documents (path, sha256, status, origin, error_kind, error, error_offset)
                VALUES (?, ?, 'failed', ?, ?, ?, ?)
                """, arguments: [path, sha256, origin, kind, detail, byteOffset])
        }
    }

    /// The batch manifest: per path, the input hash, rules and outputs of its last successful run.
    public struct ManifestEntry: Equatable, Sendable {
        public var sha256: String
        public var record: BatchRecord
    }

    public func manifest() throws -> [String: ManifestEntry] {
        try dbQueue.read { db in
            var out: [String: ManifestEntry] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT path, sha256, rules_fingerprint, restored_path, restored_sha256, json_path, json_sha256
                FROM documents WHERE status = 'ok' AND rules_fingerprint IS NOT NULL
                """)
            while let row = try rows.next() {
                guard let sha: String = row["sha256"], let fp: String = row["rules_fingerprint"],
                      let rp: String = row["restored_path"], let rs: String = row["restored_sha256"],
                      let jp: String = row["json_path"], let js: String = row["json_sha256"] else { continue }
                out[row["path"]] = ManifestEntry(sha256: sha, record: BatchRecord(
                    rulesFingerprint: fp, restoredPath: rp, restoredSHA256: rs, jsonPath: jp, jsonSHA256: js))
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT path, sha256, rules_fingerprint, restored_path, restored_sha256, json_path, json_sha256 FROM document_copies
                """) {
                out[row["path"]] = ManifestEntry(sha256: row["sha256"], record: BatchRecord(
                    rulesFingerprint: row["rules_fingerprint"], restoredPath: row["restored_path"], restoredSHA256: row["restored_sha256"],
                    jsonPath: row["json_path"], jsonSHA256: row["json_sha256"]))
            }
            return out
        }
    }

    private static func jsonArray(_ items: [String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(items)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    // MARK: Ingest

    /// A document's path as batch keys it: an absolute path with its folders resolved ("/a/./b/../x.txt",
    /// links), so that the output of a cluster job and a batch store name one document alike. A
    /// relative path stays as given: the worker's folder is not known here.
    static func ingestedPath(_ path: String) -> String {
        path.hasPrefix("/") ? BatchRunner.canonicalize(path) : path
    }

    /// The path, kind, reason and byte offset of an error record (`extract --jsonl`), nil for any other line.
    static func errorRecord(_ line: Data) -> (path: String, sha256: String?, kind: String, reason: String, byteOffset: Int?)? {
        guard line.range(of: Data("\"error\"".utf8)) != nil,
              let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
              let error = object["error"] as? [String: Any], let kind = error["kind"] as? String,
              let path = (object["source"] as? [String: Any])?["path"] as? String, !path.contains("\u{0}") else { return nil }
        return (path, (object["source"] as? [String: Any])?["sha256"] as? String, kind, error["reason"] as? String ?? kind, error["byteOffset"] as? Int)
    }

    public struct IngestSummary: Equatable, Sendable {
        public var stored = 0
        /// Error records (documents the map step could not read), stored as failed documents.
        public var failedDocuments = 0
        /// (1-based line number, reason) of each line that was not stored.
        public var failures: [LineFailure] = []
        public struct LineFailure: Equatable, Sendable, CustomStringConvertible {
            public let line: Int
            public let reason: String
            public var description: String { "line \(line): \(reason)" }
        }
    }

    /// Loads JSON lines, one `ExtractionResult` per line (what `kehoach extract --jsonl` prints), a
    /// bounded chunk at a time. A bad line is reported with its number and never stops the load;
    /// a later line for the same path replaces the earlier one.
    public func ingestJSONL(path: String, chunkSize: Int = 500) throws -> IngestSummary {
        let file: UnsafeMutablePointer<FILE>
        if path == "-" {
            file = stdin
        } else {
            guard let f = fopen(path, "r") else { throw StoreError("\(path): cannot open (\(String(cString: strerror(errno))))") }
            file = f
        }
        defer { if path != "-" { fclose(file) } }
        var summary = IngestSummary()
        var chunk: [ExtractionResult] = []
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(buffer) }
        var lineNumber = 0
        func flush() throws {
            guard !chunk.isEmpty else { return }
            try replace(chunk)
            summary.stored += chunk.count
            chunk.removeAll(keepingCapacity: true)
        }
        while true {
            let n = getline(&buffer, &capacity, file)
            if n < 0 { break }
            lineNumber += 1
            guard let buffer else { continue }
            let data = Data(bytes: buffer, count: n)
            if data.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { continue }
            // an error record of `extract --jsonl` (a document the map step could not read): stored failed
            if let failure = Self.errorRecord(data) {
                try flush()
                try recordFailure(path: Self.ingestedPath(failure.path), sha256: failure.sha256, kind: failure.kind, detail: failure.reason,
                                  byteOffset: failure.byteOffset, origin: "ingest")
                summary.failedDocuments += 1
                continue
            }
            do {
                var result = try ExtractionContract.result(fromJSONLine: data)
                result.source.path = Self.ingestedPath(result.source.path)
                chunk.append(result)
            } catch {
                summary.failures.append(.init(line: lineNumber, reason: "not an extraction result: \(error)"))
            }
            if chunk.count >= chunkSize { try flush() }
        }
        try flush()
        return summary
    }
}

public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
