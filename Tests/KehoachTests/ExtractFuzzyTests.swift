import XCTest
@testable import Kehoach

/// What restoration leaves behind in names and headings, tolerated by extraction.
final class ExtractFuzzyTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let extractor: Extractor = {
        Extractor(rules: try! ExtractionRules.load(rulesDirectory: root.appendingPathComponent("rules")))
    }()

    func testDistance() {
        XCTAssertEqual(Fuzzy.distance("thuc hien", "thucu hien"), 1)
        XCTAssertEqual(Fuzzy.letters("TỔ CHỨC THU'CƯ HIỆN"), "to chuc thucu hien")
        XCTAssertTrue(Fuzzy.close("to chuc thucu hien", "to chuc thuc hien"))
        XCTAssertFalse(Fuzzy.close("so", "bo"))
    }

    func testKnownNamesAreSpelledAsTheVocabulary() {
        let n = Self.extractor.names
        XCTAssertEqual(n.canonical("Sở Giáo dục và Đào tạp tỉnh"), "Sở Giáo dục và Đào tạo tỉnh")
        XCTAssertEqual(n.canonical("Ban Dân vận Tinh iy"), "Ban Dân vận Tỉnh ủy")
        XCTAssertEqual(n.canonical("Hiệp hội Doanh nghiep, Hội Nông dân"), "Hiệp hội Doanh nghiệp, Hội Nông dân")
        XCTAssertEqual(n.canonical("Liên đoàn Lao động trình"), "Liên đoàn Lao động tỉnh")
        // only the case differs: left as written; another body is not made a known one
        XCTAssertEqual(n.canonical("Chi Cục Thuế khu vực số 2"), "Chi Cục Thuế khu vực số 2")
        XCTAssertEqual(n.canonical("Bộ Y tế"), "Bộ Y tế")
        XCTAssertEqual(n.canonical("Phòng Nội vụ huyện"), "Phòng Nội vụ huyện")
    }

    func testDutyHeadingWithDamagedLetters() {
        let r = Self.extractor.extract(text: "KẾ HOẠCH\n\nI. MỤC ĐÍCH\n\nII. TỔ CHỨC THƯC HIỆN\n\n1. Phòng Nội vụ huyện\n\n- Tham mưu cho UBND huyện.\n", path: "x.txt", sha256: "")
        XCTAssertEqual(r.agencies.first { $0.name == "Phòng Nội vụ huyện" }?.role, "lead")
    }

    func testPlaceNamesAgainstTheOCR() {
        let ocr = "UY BAN NHAN DAN\nHUYEN DAK HA\nSo: 12/KH-UBND\nDak Ha, ngay 3 thang 5 nam 2024\nKE HOACH\n"
        let restored = "ỦY BAN NHÂN DÂN\nHUYỆN ĐẮK HẠ\nSố: 12/KH-UBND\nĐắc Hà, ngày 3 tháng 5 năm 2024\nKẾ HOẠCH\n"
        let r = Self.extractor.extract(text: restored, path: "x.txt", sha256: "", ocr: ocr)
        // the letters are one listed district's ("DAK HA"): the gazetteer's spelling, marks and all
        XCTAssertEqual(r.document.issuer, "Ủy ban nhân dân huyện Đăk Hà")
        XCTAssertEqual(r.document.date, "2024-05-03")
        let same = Self.extractor.extract(text: restored, path: "x.txt", sha256: "", ocr: nil)
        XCTAssertEqual(same.document.issuer, "Ủy ban nhân dân huyện Đăk Hà")
    }

    /// Where only the marks differ ("Hồi"/"Hội") restoration's reading stands; the second line is an
    /// English model's output and keeps restoration's words.
    func testNamesOnLinesTheOCRReadAsVietnamese() {
        let ocr = "phối hợp với Chi cục Thống kê khu vực Đắk Glei - Ngọc Hồi rà soát\nphoi hop voi Phong Noi vu huyen Dak Ha"
        let restored = "phối hợp với Chi cục Thống kê khu vực Đắc Gai - Ngọc Hội rà soát\nphối hợp với Phòng Nội vụ huyện Đắc Hà"
        XCTAssertEqual(Extractor.keepNames(restored: restored, ocr: ocr),
                       "phối hợp với Chi cục Thống kê khu vực Đắk Glei - Ngọc Hội rà soát\nphối hợp với Phòng Nội vụ huyện Đắc Hà")
    }
}
