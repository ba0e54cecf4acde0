import XCTest
@testable import Kehoach

/// Each array on a real document's true text, with exact expected items.
final class ExtractDocumentTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let extractor: Extractor = {
        Extractor(rules: try! ExtractionRules.load(rulesDirectory: root.appendingPathComponent("rules")))
    }()

    func extract(_ name: String) throws -> ExtractionResult {
        let path = Self.root.appendingPathComponent("corpus/gold/\(name).gold.txt").path
        return Self.extractor.extract(text: try TextInput.read(path: path), path: path, sha256: "")
    }

    func testLangsonHeader() throws {
        let r = try extract("langson-2021-kh-88")
        XCTAssertEqual(r.document.kind, "KẾ HOẠCH")
        XCTAssertEqual(r.document.number, "88/KH-UBND")
        XCTAssertEqual(r.document.issuer, "Ủy ban nhân dân tỉnh Lạng Sơn")
        XCTAssertEqual(r.document.place, "Lạng Sơn")
        XCTAssertEqual(r.document.date, "2021-04-13")
        XCTAssertEqual(r.references.count, 0)
    }

    func testLangsonTargets() throws {
        let r = try extract("langson-2021-kh-88")
        let got = r.targets.map { "\($0.indicator)|\($0.measure)|\($0.status)|\($0.value)|\($0.unit)|\($0.line)" }
        XCTAssertEqual(got, [
            "BHXH bắt buộc|count|target|55112.0|người|47",
            "BHXH tự nguyện|count|target|20742.0|người|49",
            "BHTN|count|target|45101.0|người|51",
            "BHYT|count|target|736105.0|người|55",
            "BHXH bắt buộc|growth|target|3.36|%|60",
            "BHXH tự nguyện|growth|target|63.24|%|62",
            "BHTN|growth|target|4.41|%|64",
            "BHYT|growth|target|0.67|%|66",
            "BHYT|rate|target|100.0|%|213",
        ])
        XCTAssertEqual(r.targets.last?.population, "học sinh, sinh viên")
        XCTAssertTrue(r.targets.allSatisfy { $0.year == 2021 })
    }

    func testLangsonDeadlines() throws {
        let r = try extract("langson-2021-kh-88")
        let dated = r.deadlines.filter { $0.date != nil }.map { "\($0.date!)|\($0.recurrence ?? "-")|\($0.line)" }
        XCTAssertEqual(dated, ["--11-30|yearly|121", "--12-31|yearly|146", "--11-30|yearly|162", "--11-30|yearly|201", "--11-30|yearly|214"])
        XCTAssertEqual(r.deadlines.first { $0.line == 146 }?.agencies, ["Sở Lao động - Thương binh và Xã hội"])
        XCTAssertTrue(r.deadlines.contains { $0.date == nil && $0.recurrence == "quarterly" && $0.line == 357 })
    }

    func testLangsonAgencies() throws {
        let r = try extract("langson-2021-kh-88")
        let leads = r.agencies.filter { $0.role == "lead" }.map(\.name)
        for name in ["Bảo hiểm xã hội tỉnh", "Sở Lao động - Thương binh và Xã hội", "Sở Y tế", "Sở Tài chính",
                     "Cục Thuế tỉnh", "UBND các huyện, thành phố", "Bưu điện tỉnh",
                     // one heading naming two bodies gives one lead per body (ANNOTATION-NOTES)
                     "Hiệp hội Doanh nghiệp", "Liên minh Hợp tác xã tỉnh"] {
            XCTAssertTrue(leads.contains(name), "\(name) not a lead: \(leads)")
        }
        let all = Set(r.agencies.map(\.name))
        for name in ["Thanh tra Nhà nước", "Thanh tra Sở Lao động - Thương binh và Xã hội", "Thanh tra chuyên ngành BHXH",
                     "Ban Tuyên giáo Tỉnh ủy", "UBND các xã, phường, thị trấn"] {
            XCTAssertTrue(all.contains(name), "\(name) missing: \(all.sorted())")
        }
        // bodies that are only the object of "Chỉ đạo" are not listed (ANNOTATION-NOTES)
        for name in ["UBND cấp xã", "tổ chức Công đoàn các cấp", "Bưu điện huyện, thành phố"] {
            XCTAssertFalse(all.contains(name), "\(name) listed")
        }
        // receivers in "Nơi nhận" and the issuer itself are not agencies
        XCTAssertFalse(all.contains("UBND tỉnh"))
        XCTAssertFalse(all.contains { $0.contains("Thường trực") })
        XCTAssertEqual(r.agencies.first { $0.name == "Bảo hiểm xã hội tỉnh" }?.aliases.contains("BHXH tỉnh"), true)
    }

    func testKonrayReferencesAndParentheses() throws {
        let r = try extract("konray-2025-kh-bcd")
        XCTAssertEqual(r.references.map { "\($0.kind)|\($0.number)|\($0.date ?? "-")|\($0.line)" }, [
            "Quyết định|14/QĐ-BCĐ|2021-03-09|5",
            "Quyết định|975/QĐ-UBND|2024-12-23|10",
            "Nghị quyết|05/2019/NQ-HĐTP|2019-08-15|70",
            "Nghị định|75/NĐ-CP|-|133",
        ])
        XCTAssertEqual(r.document.number, nil)
        XCTAssertEqual(r.document.signer, "Đinh Thị Hồng Thu")
        var byName: [String: String] = [:]
        for a in r.agencies { for n in [a.name] + a.aliases { byName[n] = a.role } }
        XCTAssertEqual(byName["BHXH huyện"], "lead")
        XCTAssertEqual(byName["Chi Cục Thuế khu vực số 1"], "support")
        XCTAssertEqual(byName["Chi cục Thống kê khu vực Kon Plông-Kon Rẫy"], "support")
        XCTAssertEqual(byName["Phòng Văn hóa, Khoa học và Thông tin"], "support")
        XCTAssertEqual(byName["Trung tâm Văn hóa - Thể thao - Du lịch & Truyền thông"], "support")
        XCTAssertEqual(r.deadlines.compactMap(\.date), ["2024-12"])
        XCTAssertEqual(r.targets.map(\.value), [22.73, 9.15, 15.88, 99.6, 100, 100])   // the key's six: one item per (indicator, status, value, unit)
        XCTAssertEqual(r.targets.first?.population, "lực lượng lao động trong độ tuổi")
        XCTAssertEqual(r.targets.last?.indicator, "khác")
    }

    func testPerVillageTableRows() throws {
        let r = try extract("ngocphung-2025-kh-42")
        let rows = r.targets.filter { (136...143).contains($0.line) }
        XCTAssertEqual(rows.map(\.value), [95.57, 95.71, 93.69, 98.63, 96.28, 96.44, 95.01, 88.04])
        XCTAssertEqual(rows.map { $0.population ?? "" }, ["Toàn xã", "thôn Quyết Tiến", "thôn Xuân Thành", "thôn Xuân Lập",
                                                         "thôn Xuân Thắng", "thôn Hòa Lâm", "thôn Hưng Long", "thôn Phú Vinh"])
        XCTAssertTrue(rows.allSatisfy { $0.indicator == "BHYT" && $0.status == "target" && $0.unit == "%" })
        XCTAssertEqual(r.document.date, "2025")
        XCTAssertEqual(r.document.issuer, "Ủy ban nhân dân xã Ngọc Phụng")
        XCTAssertEqual(r.deadlines.compactMap(\.date), ["2025-12", "2025-10-31"])
    }

    func testReportFiguresAreActualAndPlanFiguresTargets() throws {
        let path = Self.root.appendingPathComponent("corpus/raw/konray-2023-cv.txt").path
        let r = Self.extractor.extract(text: try TextInput.read(path: path), path: path, sha256: "")
        XCTAssertEqual(r.document.kind, "CÔNG VĂN")
        XCTAssertNil(r.document.number)
        XCTAssertEqual(r.document.date, "2023")
        let line33 = r.targets.filter { $0.line == 33 }.map { "\($0.indicator)|\($0.measure)|\($0.status)|\($0.value)" }
        XCTAssertEqual(line33, ["BHXH|count|actual|2403.0", "BHXH|rate|actual|13.48", "BHXH|rate|target|18.8"])
        let money = r.targets.filter { $0.unit == "đồng" }
        XCTAssertEqual(money.map(\.value), [948288562, 830619605])
        XCTAssertTrue(money.allSatisfy { $0.indicator == "khác" && $0.measure == "amount" })
        XCTAssertEqual(r.deadlines.first { $0.line == 69 }?.date, "---25")
        XCTAssertEqual(r.deadlines.first { $0.line == 69 }?.recurrence, "monthly")
        XCTAssertEqual(r.deadlines.first { $0.line == 99 }?.agencies, ["Phòng Tài chính - Kế hoạch huyện"])
    }
}
