import Foundation
import XCTest
@testable import Kehoach

/// Inputs kehoach-fuzz found failing (NOTES: "Reliability (issue 13): fuzzing and -Ounchecked"),
/// each as a short passage of the kind that failed before its fix.
final class FuzzRegressionTests: XCTestCase {
    /// Seed 1, input 4420: a line of hundreds of digits (a run of 1s the mutations made) before a unit
    /// was a target of value infinity, which JSON cannot hold: `extract` failed on the document.
    func testHundredsOfDigitsAreNoTargetAndTheResultEncodes() throws {
        let digits = String(repeating: "1", count: 400)
        XCTAssertNil(VietnameseNumber.parse(digits))
        XCTAssertNil(VietnameseNumber.parse(digits + "," + digits))
        XCTAssertEqual(VietnameseNumber.parse("55.112"), 55112)
        for passage in ["KẾ HOẠCH\n- Trồng mới \(digits) ha rừng tập trung;\n",
                        "KẾ HOẠCH\n- Tổng kinh phí \(digits) tỷ đồng;\n",
                        "KẾ HOẠCH\n- Tổng kinh phí 1,\(String(repeating: "111,", count: 120))111 đồng;\n",
                        "KẾ HOẠCH\n- Tỷ lệ bao phủ BHYT đạt \(digits)%;\n"] {
            let result = ExtractDocumentTests.extractor.extract(text: passage, path: "fuzz.txt", sha256: "")
            XCTAssertTrue(result.targets.allSatisfy { $0.value.isFinite }, passage)
            let line = try result.jsonData(pretty: false)
            XCTAssertEqual(try JSONDecoder().decode(ExtractionResult.self, from: line), result)
        }
    }

    /// Seed 1, input 49134: a closing block whose line ran 46,000 spaces before "TM. ỦY BAN NHÂN DÂN" took
    /// 38 s to extract: deadline.quarter's `[^\S\n]{2,}quy` tried the run again from each of its spaces
    /// (quadratic: 40,000 spaces took 7 s). The run is now only tried from its first space.
    func testALongRunOfSpacesBeforeCapitalsIsExtractedInLinearTime() {
        let passage = "xét, giải quyết./.\r\n\r\nNơi nhận:" + String(repeating: " ", count: 60_000)
            + "TM. ỦY BAN NHÂN DÂN\r\n- BHXH tỉnh (b/c);                  KT. CHỦ TỊCH\r\n"
        let start = Date()
        _ = ExtractDocumentTests.extractor.extract(text: passage, path: "fuzz.txt", sha256: "")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "extraction of one long line of spaces")
        // the rule still finds a quarter after two spaces
        let r = ExtractDocumentTests.extractor.extract(text: "KẾ HOẠCH\nBáo cáo kết quả  quý IV/2025\n", path: "q.txt", sha256: "")
        XCTAssertEqual(r.deadlines.map(\.date), ["2025-12"])
    }
}
