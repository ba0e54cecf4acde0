import GRDB
import XCTest
@testable import Kehoach

/// Places resolved (issue 16, item 2): the gazetteer of rules/places and the store's roll-up.
final class PlacesTests: XCTestCase {
    static let places = try! Places.load(rulesDirectory: Fixtures.repo.appendingPathComponent("rules"))
    private var places: Places { Self.places }

    private func resolve(_ issuer: String?, place: String? = nil, title: String? = nil, date: String? = nil, context: [String] = []) -> Places.Division {
        places.resolve(Places.Inputs(issuer: issuer, place: place, title: title, date: date, context: context))
    }

    // MARK: On a real store of the answer keys

    func testDistrictAndCommuneDocumentsRollUpByProvince() throws {
        let (store, results) = try Fixtures.keyStore(try scratch())
        let db = store.path
        let docs = try Store.openReadOnly(path: db).read { db in
            try Row.fetchAll(db, sql: "SELECT path, commune, district, province, province_2025, commune_2025 FROM documents ORDER BY path")
        }
        func doc(_ name: String) -> Row { docs.first { ($0["path"] as String).contains(name) }! }
        // a district's document: Kon Rẫy lay in Kon Tum, which joined Quảng Ngãi on 2025-07-01
        let konray = doc("konray-2023-cv")
        XCTAssertNil(konray["commune"] as String?)
        XCTAssertEqual(konray["district"], "huyện Kon Rẫy")
        XCTAssertEqual(konray["province"], "Kon Tum")
        XCTAssertEqual(konray["province_2025"], "Quảng Ngãi")
        // a commune's: Ngọc Phụng, of huyện Thường Xuân, Thanh Hóa; part of xã Thường Xuân since
        let ngocphung = doc("ngocphung-2025-kh-42")
        XCTAssertEqual(ngocphung["commune"], "xã Ngọc Phụng")
        XCTAssertEqual(ngocphung["district"], "huyện Thường Xuân")
        XCTAssertEqual(ngocphung["province"], "Thanh Hóa")
        XCTAssertEqual(ngocphung["province_2025"], "Thanh Hóa")
        XCTAssertEqual(ngocphung["commune_2025"], "xã Thường Xuân")
        // a province's
        XCTAssertEqual(doc("langson-2021-kh-88")["province"], "Lạng Sơn")
        XCTAssertNil(doc("langson-2021-kh-88")["district"] as String?)
        // no issuer, no place, nothing the store holds names its unit: left empty, not guessed
        XCTAssertNil(doc("konray-2025-kh-bcd")["province"] as String?)

        // Targets and deadlines carry their document's places.
        let byProvince = try Query.targets(db: db, TargetFilter(by: .province))
        XCTAssertEqual(byProvince.columns, ["province", "indicator", "measure", "status", "unit", "targets", "documents", "min", "max"])
        var perProvince: [String: Int64] = [:]
        for row in byProvince.rows { if case .integer(let n) = row[5] { perProvince[row[0].plain, default: 0] += n } }
        XCTAssertEqual(perProvince["Kon Tum"].map(Int.init), results["konray-2023-cv"]!.targets.count)
        XCTAssertEqual(perProvince["Thanh Hóa"].map(Int.init), results["ngocphung-2025-kh-42"]!.targets.count)
        XCTAssertEqual(perProvince["Lạng Sơn"].map(Int.init), results["langson-2021-kh-88"]!.targets.count)
        XCTAssertEqual(perProvince[""].map(Int.init), results["konray-2025-kh-bcd"]!.targets.count)   // null last
        XCTAssertEqual(byProvince.rows.last?[0], .null)
        let bhyt = try Query.targets(db: db, TargetFilter(indicator: "BHYT", status: "target", by: .province2025))
        XCTAssertEqual(Set(bhyt.rows.map { $0[0] }), [.text("Quảng Ngãi"), .text("Thanh Hóa"), .text("Lạng Sơn"), .null])

        // --province: the province then, or the one it lies in since 2025-07-01; kind, case and marks ignored
        let konrayTargets = results["konray-2023-cv"]!.targets.count
        for name in ["Kon Tum", "tỉnh Kon Tum", "kon tum", "Quảng Ngãi"] {
            let t = try Query.targets(db: db, TargetFilter(places: PlaceFilter(province: name)))
            XCTAssertEqual(t.rows.count, konrayTargets, name)
            XCTAssertEqual(t.columns.suffix(4), ["commune", "district", "province", "province_2025"])
        }
        XCTAssertEqual(try Query.targets(db: db, TargetFilter(places: PlaceFilter(district: "Kon Rẫy"))).rows.count, konrayTargets)
        XCTAssertEqual(try Query.targets(db: db, TargetFilter(places: PlaceFilter(district: "huyen kon ray"))).rows.count, konrayTargets)
        XCTAssertEqual(try Query.targets(db: db, TargetFilter(places: PlaceFilter(district: "xã Kon Rẫy"))).rows.count, 0)
        XCTAssertEqual(try Query.targets(db: db, TargetFilter(places: PlaceFilter(commune: "Ngọc Phụng"))).rows.count,
                       results["ngocphung-2025-kh-42"]!.targets.count)
        let thanhHoaDeadlines = try Query.deadlines(db: db, DeadlineFilter(places: PlaceFilter(province: "Thanh Hoa")))
        XCTAssertEqual(thanhHoaDeadlines.rows.count, results["ngocphung-2025-kh-42"]!.deadlines.count)
        XCTAssertTrue(thanhHoaDeadlines.rows.allSatisfy { $0.suffix(4) == [.text("xã Ngọc Phụng"), .text("huyện Thường Xuân"), .text("Thanh Hóa"), .text("Thanh Hóa")] })
        let deadlinesBy = try Query.deadlines(db: db, DeadlineFilter(by: .district))
        XCTAssertEqual(deadlinesBy.columns, ["district", "deadlines", "documents", "dated", "earliest", "latest"])
        XCTAssertEqual(deadlinesBy.rows.first?[0], .text("huyện Kon Rẫy"))
        let documentsBy = try Query.documents(db: db, DocumentFilter(by: .province))
        XCTAssertEqual(documentsBy.rows.map { $0[0] }, [.text("Kon Tum"), .text("Lạng Sơn"), .text("Thanh Hóa"), .null])
        XCTAssertEqual(documentsBy.rows.map { $0[3] }, ["konray-2023-cv", "langson-2021-kh-88", "ngocphung-2025-kh-42", "konray-2025-kh-bcd"].map {
            .integer(Int64(results[$0]!.targets.count))
        })
    }

    func testATargetWhosePopulationNamesAUnitInsideTheDocumentGetsIt() throws {
        let dir = try scratch()
        let store = try Store(path: dir.appendingPathComponent("s.sqlite").path, places: places)
        var r = ExtractionResult(source: .init(path: "kontum.txt", sha256: String(repeating: "1", count: 64)),
                                 document: .init(issuer: "Ủy ban nhân dân huyện Kon Rẫy", place: "Kon Rẫy", date: "2024-03-01"))
        r.targets = [
            // (the gazetteer spells it Đăk)
            .init(indicator: "BHYT", measure: "rate", status: "target", value: 95, unit: "%", population: "xã Đắk Ruồng", year: 2024, text: "xã Đắk Ruồng đạt 95%", line: 10),
            .init(indicator: "BHYT", measure: "rate", status: "target", value: 96, unit: "%", population: "dân số", year: 2024, text: "toàn huyện đạt 96%", line: 11),
            // a unit of that name elsewhere is not this document's
            .init(indicator: "BHYT", measure: "rate", status: "target", value: 97, unit: "%", population: "xã Ngọc Phụng", year: 2024, text: "x", line: 12),
        ]
        try store.replace(r)
        let rows = try Query.targets(db: store.path, TargetFilter()).rows.map { Array($0.suffix(4)) }
        XCTAssertEqual(rows[0], [.text("xã Đăk Ruồng"), .text("huyện Kon Rẫy"), .text("Kon Tum"), .text("Quảng Ngãi")])
        XCTAssertEqual(rows[1], [.null, .text("huyện Kon Rẫy"), .text("Kon Tum"), .text("Quảng Ngãi")])
        XCTAssertEqual(rows[2], rows[1])
    }

    func testAStoreAnOlderKehoachMadeIsUpgradedAndItsPlacesResolved() throws {
        let dir = try scratch()
        let path = dir.appendingPathComponent("old.sqlite").path
        // the schema of the version before places, filled as it filled it
        let queue = try DatabaseQueue(path: path)
        try Store.migrator.migrate(queue, upTo: "v2 document copies")
        try queue.write { db in try Store.insertRows(try Fixtures.keyResult("konray-2023-cv"), batch: nil, in: db) }
        try queue.close()

        XCTAssertThrowsError(try Store.openReadOnly(path: path)) { error in
            XCTAssertTrue("\(error)".contains("made by an older kehoach"), "\(error)")
        }
        // `kehoach query` upgrades it in place and answers
        let run = try KehoachBinary.run(["query", "targets", "--db", path, "--province", "Quảng Ngãi", "--format", "csv"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.err.contains("upgraded"), run.err)
        XCTAssertEqual(run.out.split(separator: "\r\n").count - 1, try Fixtures.keyResult("konray-2023-cv").targets.count)
        XCTAssertFalse(try Store.upgradeIfOld(path: path))
        let again = try KehoachBinary.run(["query", "documents", "--db", path, "--format", "csv"])
        XCTAssertEqual(again.err, "")
        XCTAssertTrue(again.out.contains(",huyện Kon Rẫy,Kon Tum,Quảng Ngãi,"), again.out)

        // one that cannot be written says so
        let readOnly = dir.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: readOnly, withIntermediateDirectories: true)
        let old2 = readOnly.appendingPathComponent("old.sqlite").path
        let q2 = try DatabaseQueue(path: old2)
        try Store.migrator.migrate(q2, upTo: "v2 document copies")
        try q2.close()
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: old2)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: readOnly.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: readOnly.path) }
        if getuid() != 0 {   // root writes anyway
            let refused = try KehoachBinary.run(["query", "targets", "--db", old2])
            XCTAssertEqual(refused.status, 1)
            XCTAssertTrue(refused.err.contains("cannot be upgraded here"), refused.err)
        }
    }

    func testAStoreIsResolvedAgainWhenThePlaceRulesChange() throws {
        let dir = try scratch()
        let path = dir.appendingPathComponent("s.sqlite").path
        try Store(path: path, places: nil).replace(try Fixtures.keyResult("ngocphung-2025-kh-42"))
        let before = try Store.openReadOnly(path: path).read { try Row.fetchOne($0, sql: "SELECT district, places_version FROM documents")! }
        XCTAssertNil(before["district"] as String?)
        XCTAssertNil(before["places_version"] as String?)
        _ = try Store(path: path, places: places)
        let after = try Store.openReadOnly(path: path).read { try Row.fetchOne($0, sql: "SELECT district, places_version FROM documents")! }
        XCTAssertEqual(after["district"], "huyện Thường Xuân")
        XCTAssertEqual(after["places_version"], places.version)
    }

    // MARK: The resolver

    func testNamesSeveralUnitsShareAreToldApartOrLeftOpen() {
        // huyện Châu Thành is in eight provinces: alone, only the district is known
        let alone = resolve("Ủy ban nhân dân huyện Châu Thành", date: "2024-05-02")
        XCTAssertEqual(alone.district, "huyện Châu Thành")
        XCTAssertNil(alone.province)
        // another unit the document names tells which
        let told = resolve("Ủy ban nhân dân huyện Châu Thành", date: "2024-05-02", context: ["Sở Y tế tỉnh Tiền Giang"])
        XCTAssertEqual(told, Places.Division(district: "huyện Châu Thành", province: "Tiền Giang", province2025: "Đồng Tháp"))
        // the header's all-capital form and the abbreviation TP.
        XCTAssertEqual(resolve("UBND TP. Hồ Chí Minh").province, "Hồ Chí Minh")
        XCTAssertEqual(resolve("ỦY BAN NHÂN DÂN HUYỆN KON RẪY").province, "Kon Tum")
        // "xã hội", "Phường" in a name are no units
        XCTAssertEqual(places.mentions(in: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM; bảo hiểm xã hội An Giang"), [])
        // a commune of 2025-07-01 on: no district, the new province
        XCTAssertEqual(resolve("Ủy ban nhân dân xã Thường Xuân", date: "2025-08-01"),
                       Places.Division(commune: "xã Thường Xuân", province: "Thanh Hóa", province2025: "Thanh Hóa", commune2025: "xã Thường Xuân"))
        // the title or the date line when the issuer names no unit
        XCTAssertEqual(resolve(nil, title: "Kế hoạch … trên địa bàn xã Ngọc Phụng năm 2025").district, "huyện Thường Xuân")
        XCTAssertEqual(resolve("Bảo hiểm xã hội", place: "Lạng Sơn").province, "Lạng Sơn")
        XCTAssertEqual(resolve("Bộ Y tế"), Places.Division())
        // a province merged in 2025, and one renamed before
        XCTAssertEqual(resolve("Ủy ban nhân dân tỉnh Đắk Nông").province2025, "Lâm Đồng")
        XCTAssertEqual(resolve("Sở Y tế tỉnh Thừa Thiên Huế").province2025, "Huế")
    }

    /// provinces-2025.tsv is written by hand from Nghị quyết 202/2025/QH15; units.tsv comes from
    /// another source (vietnamadminunits): every province of one is in the other, merged alike.
    func testTheHandWrittenMergesAgreeWithTheUnitList() throws {
        let rules = Fixtures.repo.appendingPathComponent("rules/places")
        let merges = try String(contentsOf: rules.appendingPathComponent("provinces-2025.tsv"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t").map(String.init) }
        var fromUnits: [String: Set<String>] = [:]
        for line in try String(contentsOf: rules.appendingPathComponent("units.tsv"), encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            fromUnits[cells[0], default: []].insert(cells[3])
        }
        XCTAssertEqual(Set(merges.map { $0[1] }).count, 34)
        XCTAssertEqual(fromUnits.count, 63)
        for m in merges where m[0] != "tỉnh Thừa Thiên Huế" {
            XCTAssertEqual(fromUnits[m[0]], [m[1]], m[0])
        }
        XCTAssertEqual(Set(merges.map { $0[0] }).subtracting(fromUnits.keys), ["tỉnh Thừa Thiên Huế"])
    }
}
