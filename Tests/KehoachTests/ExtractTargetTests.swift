import XCTest
@testable import Kehoach

/// Targets by the genre's grammar, one behaviour a test, on short passages worded as plans of other
/// sectors and provinces word them (none is taken from the documents the rules were tuned on).
final class ExtractTargetTests: XCTestCase {
    func targets(_ text: String) -> [String] {
        let r = ExtractDocumentTests.extractor.extract(text: text, path: "passage.txt", sha256: "")
        return r.targets.map { "\($0.indicator)|\($0.measure)|\($0.status)|\($0.value)|\($0.unit)" }
    }

    func testCountsInAnyUnitOfTheGenre() {
        XCTAssertEqual(targets("""
        KẾ HOẠCH
        - Trồng mới 1.240 ha rừng tập trung;
        - Hỗ trợ 210 con bò giống cho 105 hộ nghèo;
        - In và phát 5.000 tờ gấp tuyên truyền.
        """), [
            "khác|count|target|1240.0|ha", "khác|count|target|210.0|con", "khác|count|target|105.0|hộ",
            "khác|count|target|5000.0|tờ",
        ])
    }

    func testFunctionWordsAndFragmentsAreNoUnits() {
        // "giảm còn 5%" is a share; "còn 3 tháng" no count; "16 tham" is an OCR fragment
        XCTAssertEqual(targets("""
        KẾ HOẠCH
        Tỷ lệ hộ nghèo giảm còn 5%, còn 3 tháng nữa là hết năm; 16 tham gia.
        """), ["khác|rate|target|5.0|%"])
    }

    func testAnUnlistedNounCountsOnlyAfterAQuantityCue() {
        XCTAssertEqual(targets("""
        KẾ HOẠCH
        Xây dựng ít nhất 12 bể chứa nước phòng cháy.
        Lắp đặt 12 bể chứa.
        """), ["khác|count|target|12.0|bể chứa"])
    }

    func testMoneyIsMultipliedOutIntoDong() {
        XCTAssertEqual(targets("""
        BÁO CÁO
        Tổng vốn giải ngân đạt 136,755 tỷ đồng.
        """), ["khác|amount|actual|136755000000.0|đồng"])
    }

    func testReachedAndPlannedInOneSentence() {
        // a progress report: the figure reached, and in parentheses the plan's figure
        XCTAssertEqual(targets("""
        BÁO CÁO
        - BHYT: tỷ lệ bao phủ đạt 91,2% dân số (kế hoạch giao 94%).
        """), ["BHYT|rate|actual|91.2|%", "BHYT|rate|target|94.0|%"])
    }

    func testResultsSectionIsActualAndObjectivesSectionTarget() {
        XCTAssertEqual(targets("""
        KẾ HOẠCH
        I. KẾT QUẢ NĂM 2024
        Toàn huyện có 1.150 hộ nghèo.
        II. MỤC TIÊU
        Giảm 300 hộ nghèo.
        """), ["khác|count|actual|1150.0|hộ", "khác|count|target|300.0|hộ"])
    }

    func testIndicatorIsCarriedFromTheListsLeadLine() {
        XCTAssertEqual(targets("""
        KẾ HOẠCH
        Số người tham gia BHXH tự nguyện:
        - Xã Đồng Văn: 120 người;
        - Xã Lũng Cú: 95 người.
        """), ["BHXH tự nguyện|count|target|120.0|người", "BHXH tự nguyện|count|target|95.0|người"])
    }

    func testSectionNumberAndImpossibleSharesAreNoFigures() {
        // "3. 100%" is item 3 then 100 %; "995%" cannot be a share
        XCTAssertEqual(targets("""
        KẾ HOẠCH
        3. 100% trường học có tủ thuốc.
        Tỷ lệ trẻ được tiêm đạt 995%.
        """), ["khác|rate|target|100.0|%"])
    }

    func testIndicatorTableWithAYearColumnAndAPlanColumn() {
        XCTAssertEqual(targets("""
        Kỳ Sơn, ngày 10 tháng 01 năm 2025
        KẾ HOẠCH
        TT  Chỉ tiêu                                   Đơn vị  Năm 2024  Kế hoạch 2025
        1   Trẻ dưới 1 tuổi được tiêm chủng đầy đủ     %           87,6        95
        2   Phụ nữ có thai tiêm vắc xin uốn ván (UV2+)  %           81,0        90
        """), [
            "khác|rate|actual|87.6|%", "khác|rate|target|95.0|%", "khác|rate|actual|81.0|%", "khác|rate|target|90.0|%",
        ])
    }

    func testTableWhoseOCRdHeaderLostItsSpacing() {
        // the OCR puts single spaces in a header of four lines: titles by the words that open them,
        // indicators in the order the header names them, "(người)"/"(%)" left out
        XCTAssertEqual(targets("""
        QUYẾT ĐỊNH
        2. Chỉ tiêu giao cho từng xã

        STT Đơn vị Dân số Tỷ lệ Số người Số người
        (người) bao phủ tham gia tham gia
        BHYT (%) BHYT BHXH tự
        (người) nguyện (người)
        1 Xã Ba Động 6.215 98,2 6.103 105
        2 Xã Ba Cung 2.387 99,1 2.366 38
        """), [
            "BHYT|rate|target|98.2|%", "BHYT|count|target|6103.0|người", "BHXH tự nguyện|count|target|105.0|người",
            "BHYT|rate|target|99.1|%", "BHYT|count|target|2366.0|người", "BHXH tự nguyện|count|target|38.0|người",
        ])
    }

    func testTableWithEmptyCellsAndUnitsNamedByNumbers() {
        // "-" keeps its column; "Phường 1" is a label, not a figure; the labour force is a base; the
        // share beside the count of BHXH tự nguyện is that scheme's; "quốc doanh" says nothing of "ước"
        XCTAssertEqual(targets("""
        Tuy Hòa, ngày 10 tháng 01 năm 2025
        KẾ HOẠCH
        2. Chỉ tiêu giao cho các phường, xã

        STT Đơn vị              Lực lượng  Số người tham gia  Tỷ lệ so   Số người tham gia
                                lao động   BHXH tự nguyện     với LLLĐ   BHYT hộ gia đình
                                (người)    (người)            (%)        (người)
        1   Phường 1               6.120          468           7,65          3.150
        2   Phường 2               7.340          552           7,52          3.420
        10  Xã An Phú              6.540            -           5,90          3.460
        """), [
            "BHXH tự nguyện|count|target|468.0|người", "BHXH tự nguyện|rate|target|7.65|%", "BHYT|count|target|3150.0|người",
            "BHXH tự nguyện|count|target|552.0|người", "BHXH tự nguyện|rate|target|7.52|%", "BHYT|count|target|3420.0|người",
            "BHXH tự nguyện|rate|target|5.9|%", "BHYT|count|target|3460.0|người",
        ])
        XCTAssertEqual(targets("""
        Sơn Động, ngày 26 tháng 12 năm 2024
        QUYẾT ĐỊNH
                                                    (Đơn vị tính: triệu đồng)
        STT  Đơn vị              Tổng thu   Thu thuế ngoài   Thu tiền sử
                                             quốc doanh      dụng đất
        1    Xã An Lạc                425              286             -
        2    Xã Cẩm Đàn             2.808              532         2.100
        """), [
            "khác|amount|target|425000000.0|đồng", "khác|amount|target|286000000.0|đồng",
            "khác|amount|target|2808000000.0|đồng", "khác|amount|target|532000000.0|đồng", "khác|amount|target|2100000000.0|đồng",
        ])
    }

    func testACellThatPrintsItsOwnUnitIsACountInIt() {
        // "Quy mô": the works' designed size, what is to be built; the money columns as the header says
        XCTAssertEqual(targets("""
        Hàm Thuận Bắc, ngày 14 tháng 5 năm 2025
        CÔNG VĂN
        TT  Dự án                                     Quy mô        Kế hoạch vốn   Đã giải ngân
                                                                    năm 2025       đến 12/5/2025
            (Đơn vị tính: triệu đồng)
        1   Đường GTNT thôn 3 - thôn 5, xã Đa Mi      4,5 km          21.300          3.870
        2   Trường THCS Hàm Trí                       16 phòng học    26.480          5.830
        """), [
            "khác|count|target|4.5|km", "khác|amount|target|21300000000.0|đồng", "khác|amount|actual|3870000000.0|đồng",
            "khác|count|target|16.0|phòng học", "khác|amount|target|26480000000.0|đồng", "khác|amount|actual|5830000000.0|đồng",
        ])
    }

    func testOCRdHeaderGivesUnitsInBrackets() {
        // titles run together, but "(km)", "(%)", "(hộ)" name the last three columns; "Số hộ" stays untitled
        XCTAssertEqual(targets("""
        Nhơn Nghĩa, ngày 20 tháng 6 năm 2025
        BÁO CÁO
        STT Ấp Số hộ Đường GTNT Hộ sử dụng Hộ cải tạo
        nâng cấp (km) nước sạch (%) nhà vệ sinh (hộ)
        1 Nhơn Thọ 1A 512 1,6 98,4 21
        2 Nhơn Thọ 2 486 1,2 97,1 17
        """), [
            "khác|count|actual|1.6|km", "khác|rate|actual|98.4|%", "khác|count|actual|21.0|hộ",
            "khác|count|actual|1.2|km", "khác|rate|actual|97.1|%", "khác|count|actual|17.0|hộ",
        ])
    }

    func testSignsTheOCRReadForLettersAreNoFigures() {
        XCTAssertEqual(targets("""
        KẾ HOẠCH
        §6 người tham gia BHXH tự nguyện đạt 1.260 người.
        """), ["BHXH tự nguyện|count|target|1260.0|người"])
    }

    func testFromNeedsItsOtherEndAndVotesAreNoFigures() {
        // "từ 16 hộ" is "Tỷ lệ hộ" the OCR read as "Ty 16"; a vote's share is a threshold
        XCTAssertEqual(targets("""
        KẾ HOẠCH
        - Từ 16 hộ nghèo theo chuẩn nghèo đa chiều giảm còn dưới 39,5%.
        - Giảm tỷ lệ hộ nghèo từ 52,36% xuống còn 45,18%.
        Người được giới thiệu phải đạt tín nhiệm trên 50%.
        """), ["khác|rate|target|39.5|%", "khác|rate|target|52.36|%", "khác|rate|target|45.18|%"])
    }

    func testOCRDigitsForLettersAndThousandsCommas() {
        // read from OCR: "6" for "ở"/"ô", "13" for "là", "¢6" for "có"; "150,000 đồng" typed with commas
        let text = """
        KẾ HOẠCH
        Bố trí xe 6 tô đưa đón; người đại diện theo pháp luật cũng 13 người đại diện của đơn vị.
        Chính sách ưu đãi người ¢6 công với cách mạng.
        Xây dựng 6 nhà văn hóa thôn.
        Mức hỗ trợ 150,000 đồng/người/tháng.
        """
        let r = ExtractDocumentTests.extractor.extract(text: text, path: "passage.txt", sha256: "", ocr: text)
        XCTAssertEqual(r.targets.map { "\($0.indicator)|\($0.measure)|\($0.status)|\($0.value)|\($0.unit)" },
                       ["khác|count|target|6.0|nhà", "khác|amount|target|150000.0|đồng"])
        // typed text has no such misreadings: a bare 13 is a count there
        XCTAssertEqual(targets("KẾ HOẠCH\nBố trí 13 người trực.\n"), ["khác|count|target|13.0|người"])
    }
}
