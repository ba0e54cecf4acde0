import XCTest
@testable import Kehoach

/// Deadlines, references and the document's header fields on short passages written the way plans,
/// letters and notices print them (one case per rule kind), with the exact values expected.
final class ExtractHeaderDeadlineTests: XCTestCase {
    static let extractor: Extractor = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return Extractor(rules: try! ExtractionRules.load(rulesDirectory: root.appendingPathComponent("rules")))
    }()

    func extract(_ text: String) -> ExtractionResult {
        Self.extractor.extract(text: text, path: "t.txt", sha256: "")
    }

    static let header = """
    ỦY BAN NHÂN DÂN
    HUYỆN THANH LIÊM
    Số: 27/KH-UBND

    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
    Độc lập - Tự do - Hạnh phúc

    Thanh Liêm, ngày 05 tháng 02 năm 2025

    KẾ HOẠCH
    Triển khai công tác tiêm chủng năm 2025

    """

    func dates(_ body: String) -> [String] {
        extract(Self.header + body).deadlines.compactMap(\.date)
    }

    // MARK: deadlines

    func testQuarterIsItsLastMonth() {
        XCTAssertEqual(dates("Tổ chức tiêm bổ sung đợt thứ hai trong quý III/2025.\n"), ["2025-09"])
        XCTAssertEqual(dates("Hoàn thành làm sạch dữ liệu trong quý IV năm 2025.\n"), ["2025-12"])
    }

    func testQuarterNumeralsAsTheOCRReadsThem() {
        XCTAssertEqual(dates("Tổ chức tiêm bổ sung đợt thứ hai trong quý H1/2025.\n"), ["2025-09"])
        XCTAssertEqual(dates("Phát triển mới 3.500 người tham gia BHYT hộ gia đình trong quý ['V/2025.\n"), ["2025-12"])
        XCTAssertEqual(dates("Hoàn thành làm sạch dữ liệu dân cư trong quý H/2025.\n"), ["2025-06"])
    }

    func testQuarterInATableCell() {
        let body = """
        STT Tên trường                  Phòng học   Thời gian hoàn thành
        1   Trường Mầm non Tam Ngãi           6     Quý III/2025
        2   Trường Tiểu học Phong Phú A       8     Quý II/2025

        """
        XCTAssertEqual(dates(body), ["2025-09", "2025-06"])
        // the columns collapsed to single spaces, as restored OCR prints them
        XCTAssertEqual(dates("2 Trường Tiểu học Phong Phú A 8 6.120 Quý IV/2025\n"), ["2025-12"])
        XCTAssertEqual(dates("Kết quả quý I/2025 toàn huyện đạt 40%.\n"), [])
    }

    func testFirstMonthsOfAYear() {
        XCTAssertEqual(dates("Phấn đấu trong 6 tháng đầu năm 2025 hoàn thành rà soát.\n"), ["2025-06"])
    }

    func testTwoYearlyDatesInOnePhrase() {
        let r = extract(Self.header + "Báo cáo Ủy ban nhân dân huyện trước ngày 15/6 và 15/12 hằng năm.\n")
        XCTAssertEqual(r.deadlines.map { "\($0.date ?? "-")|\($0.recurrence ?? "-")" }, ["--06-15|yearly", "--12-15|yearly"])
        XCTAssertEqual(Set(r.deadlines.map(\.text)).count, 1)
    }

    func testHalfYearAndYearReportsInParentheses() {
        let r = extract(Self.header + "Báo cáo định kỳ 6 tháng (trước ngày 20/6) và năm (trước ngày 20/12) để tổng hợp.\n")
        XCTAssertEqual(r.deadlines.map { "\($0.date ?? "-")|\($0.recurrence ?? "-")" }, ["--06-20|yearly", "--12-20|yearly"])
    }

    func testPeriodIsDueAtItsEnd() {
        XCTAssertEqual(dates("Thời gian: Từ ngày 15/12/2024 đến ngày 15/3/2025.\n"), ["2025-03-15"])
    }

    func testCueWordsAsRestorationLeavesThem() {
        XCTAssertEqual(dates("Tổng hợp kết quả, báo cáo ủy ban nhân dân huyện trắc ngày 20/3/2025.\n"), ["2025-03-20"])
        XCTAssertEqual(dates("Chậm nhất ngày 31/8/2025 gửi báo cáo.\n"), ["2025-08-31"])
    }

    func testADateBeforeTheDocumentsIsACutOff() {
        // a 2025 plan's background: the state reached, not a term to meet
        XCTAssertEqual(dates("Đến ngày 31/12/2024, toàn huyện có 1.200 người tham gia.\nHoàn thành trước ngày 30/6/2025.\n"),
                       ["2025-06-30"])
        XCTAssertEqual(dates("Kế hoạch giao đến ngày 30/6/2025 là 45%.\n"), [])
    }

    func testRelativeTermsHaveARecurrenceAndNoDate() {
        func recurrences(_ body: String) -> [String] {
            extract(Self.header + body).deadlines.map { "\($0.date ?? "-")|\($0.recurrence ?? "-")" }
        }
        XCTAssertEqual(recurrences("Báo cáo kết quả trước ngày 05 tháng đầu quý sau.\n"), ["-|quarterly"])
        XCTAssertEqual(recurrences("Báo cáo tiến độ giải ngân trước thứ Năm hằng tuần.\n"), ["-|weekly"])
        XCTAssertEqual(recurrences("Báo cáo nhanh trước 15 giờ hằng ngày khi có thiên tai.\n"), ["-|daily"])
    }

    // MARK: references

    func testNamedLawWithItsNumber() {
        let r = extract(Self.header + "Căn cứ Luật Lâm nghiệp số 16/2017/QH14 ngày 15/11/2017;\n")
        XCTAssertEqual(r.references.map { "\($0.kind)|\($0.number)|\($0.date ?? "-")" }, ["Luật|16/2017/QH14|2017-11-15"])
    }

    func testDamagedKindReadFromTheNumbersCode() {
        let r = extract(Self.header + "Thilc hilIn Kì hollch sự 125/KH-SYT ngày 15/01/2025 của Sở Y tế; Công văn sĩ 1127/BHXH-QLT ngày 12/3/2024.\n")
        XCTAssertEqual(r.references.map { "\($0.kind)|\($0.number)" }, ["Kế hoạch|125/KH-SYT", "Công văn|1127/BHXH-QLT"])
    }

    func testOwnNumberIsNotAReference() {
        let r = extract(Self.header + "Ủy ban nhân dân huyện ban hành Kế hoạch số 27/KH-UBND; Quyết định số 975/QĐ-UBND ngày 23/12/2024.\n")
        XCTAssertEqual(r.references.map(\.number), ["975/QĐ-UBND"])
    }

    // MARK: document

    func testSideBySideTwoLineHeaderGivesTheLowerBody() {
        let r = extract("""
        ỦY BAN NHÂN DÂN QUẬN CẦU GIẤY      CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
        ỦY BAN NHÂN DÂN PHƯỜNG NGHĨA ĐÔ         Độc lập - Tự do - Hạnh phúc

        Số: 42/KH-UBND                     Nghĩa Đô, ngày 10 tháng 3 năm 2025

        KẾ HOẠCH
        Chuyển đổi số năm 2025

        """)
        XCTAssertEqual(r.document.issuer, "Ủy ban nhân dân phường Nghĩa Đô")
        XCTAssertEqual(r.document.number, "42/KH-UBND")
        XCTAssertEqual(r.document.date, "2025-03-10")
    }

    func testOfficeUnderItsParentBody() {
        let r = extract("""
        ỦY BAN NHÂN DÂN TỈNH CÀ MAU
        VĂN PHÒNG
        Số: 214/TB-VP

        CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
        Độc lập - Tự do - Hạnh phúc

        Cà Mau, ngày 06 tháng 8 năm 2025

        THÔNG BÁO
        Kết luận của Phó Chủ tịch Ủy ban nhân dân tỉnh

        """)
        XCTAssertEqual(r.document.issuer, "Văn phòng Ủy ban nhân dân tỉnh Cà Mau")
        XCTAssertEqual(r.document.kind, "THÔNG BÁO")
        XCTAssertEqual(r.document.number, "214/TB-VP")
    }

    /// A place's name whose marks an English model lost takes the gazetteer's, where its letters are one
    /// listed name's; a damaged first word of a Sở is given back from the known names.
    func testHeaderPlaceTakesTheGazetteersMarks() {
        let r = extract("ỦY BAN NHÂN DÂN          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nHUYỆN NAM PO               Độc lập - Tự do - Hạnh phúc\nSố: 46/KH-UBND            Nam Po, ngày 18 tháng 3 năm 2025\n")
        XCTAssertEqual(r.document.issuer, "Ủy ban nhân dân huyện Nậm Pồ")
        let so = extract("UBND TỈNH TUYÊN QUANG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSG KHOA HỌC VÀ CÔNG NGHỆ Độc lập - Tự do - Hạnh phúc\nSố: 418/KH-SKHCN Tuyên Quang, ngày 08 tháng 4 năm 2025\n")
        XCTAssertEqual(so.document.issuer, "Sở Khoa học và Công nghệ tỉnh Tuyên Quang")
    }

    func testIssuerWithoutAUnitLine() {
        let r = extract("""
        BỘ Y TẾ                         CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
        -------                         Độc lập - Tự do - Hạnh phúc
        Số: 125/KH-BYT                  Hà Nội, ngày 15 tháng 01 năm 2025

        KẾ HOẠCH
        Tiêm chủng mở rộng năm 2025

        """)
        XCTAssertEqual(r.document.issuer, "Bộ Y tế")
        let pair = extract("BỘ TÀI CHÍNH TỔNG CỤC THUẾ      CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 1414/TCT-CS\nV/v hỗ trợ người có công\n")
        XCTAssertEqual(pair.document.issuer, "Tổng cục Thuế")
        let sub = extract("ỦY BAN NHÂN DÂN TỈNH CÀ MAU\nSỞ Y TẾ\nSố: 12/KH-SYT\n\nKẾ HOẠCH\nPhòng chống dịch\n")
        XCTAssertEqual(sub.document.issuer, "Sở Y tế tỉnh Cà Mau")
        let phong = extract("UBND HUYỆN MƯỜNG NHÉ\nPHÒNG GIÁO DỤC VÀ ĐÀO TẠO\nSố: 45/KH-PGDĐT\n\nKẾ HOẠCH\nPhổ cập giáo dục\n")
        XCTAssertEqual(phong.document.issuer, "Phòng Giáo dục và Đào tạo huyện Mường Nhé")
    }

    /// Headers of other kinds of issuer and numbering: a normative act's year in its number, a Party
    /// committee's "Số 45-KH/HU", the Fatherland Front's standing board under its parent, a ministry's
    /// letter with its subject on the number's line, a decree's kind line.
    func testHeadersBeyondThePeoplesCommittees() {
        let qd = extract("ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI\nSố: 15/2024/QĐ-UBND\nĐồng Nai, ngày 20 tháng 5 năm 2024\n\nQUYẾT ĐỊNH\nBan hành Quy định quản lý cụm công nghiệp\n")
        XCTAssertEqual(qd.document.number, "15/2024/QĐ-UBND")
        XCTAssertEqual(qd.document.issuer, "Ủy ban nhân dân tỉnh Đồng Nai")
        let party = extract("HUYỆN ỦY MƯỜNG NHÉ\n*\nSố 45-KH/HU\nĐẢNG CỘNG SẢN VIỆT NAM\nMường Nhé, ngày 12 tháng 3 năm 2025\n\nKẾ HOẠCH\nPhòng, chống ma túy năm 2025\n")
        XCTAssertEqual(party.document.number, "45-KH/HU")
        XCTAssertEqual(party.document.issuer, "Huyện ủy Mường Nhé")
        let front = extract("""
        ỦY BAN MTTQ VIỆT NAM
        XÃ LƯƠNG MINH
        BAN THƯỜNG TRỰC
        Số: 16/KH-MTTQ-BTT
        Lương Minh, ngày 18 tháng 11 năm 2025
        KẾ HOẠCH
        Thực hiện công tác bầu cử đại biểu Hội đồng nhân dân các cấp
        Căn cứ Luật Bầu cử;
        Ban Thường trực Ủy ban MTTQ Việt Nam xã ban hành kế hoạch.
        """)
        XCTAssertEqual(front.document.issuer, "Ban Thường trực Ủy ban MTTQ Việt Nam xã Lương Minh")
        let letter = extract("BỘ TÀI CHÍNH TỔNG CỤC THUẾ\nSố: 1414/TCT-CS V/v hỗ trợ người có công cải thiện nhà ở.\nHà Nội, ngày 04 tháng 05 năm 2013\nKính gửi: Cục Thuế tỉnh Hà Tĩnh.\n")
        XCTAssertEqual(letter.document.kind, "CÔNG VĂN")
        XCTAssertEqual(letter.document.title, "V/v hỗ trợ người có công cải thiện nhà ở.")
        let decree = extract("CHÍNH PHỦ\nSố: 23/2012/NĐ-CP\nHà Nội, ngày 03 tháng 04 năm 2012\nNGHỊ ĐỊNH\nQuy định một số chế độ\nCăn cứ Luật Tổ chức Chính phủ;\n")
        XCTAssertEqual(decree.document.kind, "NGHỊ ĐỊNH")
        XCTAssertEqual(decree.document.number, "23/2012/NĐ-CP")
        XCTAssertEqual(decree.document.issuer, "Chính phủ")
    }

    /// "Thời gian hoàn thành: Quý IV/2025 và Quý I/2026": two deadlines with one text; "Thời hạn:
    /// tháng 9/2025"; but not a bare "Thời gian:" (a meeting's or a campaign's time).
    func testLabelledDeadlines() {
        let r = extract("""
        UBND HUYỆN TÂN PHƯỚC
        Số: 12/KH-UBND
        Tân Phước, ngày 10 tháng 3 năm 2025
        KẾ HOẠCH
        Phòng, chống dịch bệnh năm 2025
        III. TỔ CHỨC THỰC HIỆN
        1. Phòng Y tế huyện
        - Tham mưu tổ chức kiểm tra. Thời gian hoàn thành: Quý IV/2025 và Quý I/2026.
        - Thời hạn: tháng 9/2025.
        - Thời gian: tháng 5/2025, tại hội trường huyện.
        - Hoàn thành chậm nhất vào ngày 15/11/2025.
        """)
        XCTAssertEqual(r.deadlines.map(\.date), ["2025-12", "2026-03", "2025-09", "2025-11-15"])
        XCTAssertEqual(r.deadlines[0].text, r.deadlines[1].text)
    }

    func testPlaceWithAnApostrophe() {
        let r = extract("ỦY BAN NHÂN DÂN\nHUYỆN M'ĐRẮK\nSố: 73/KH-UBND\n\nM'Đrắk, ngày 17 tháng 3 năm 2025\n\nKẾ HOẠCH\nTrồng rừng\n")
        XCTAssertEqual(r.document.issuer, "Ủy ban nhân dân huyện M'đrắk")
    }

    func testHeaderAsTheOCRLeavesIt() {
        let r = extract("""
        LÝ BAN NHÂN DÂN CÙNG HÓA XÃ Hữu CHỦ NGHĨA VIỆT NAM
        HUYIN BÁT XÁT Đức lập - Tự do - Hình phúc
        SU: 312/BC-UBND Bát Xát, ngày 08 tháng 10 năm 2024

        KU HOẠCH
        Kết quả thực hiện

        """)
        XCTAssertEqual(r.document.number, "312/BC-UBND")
        XCTAssertEqual(r.document.issuer, "Ủy ban nhân dân huyện Bát Xát")
        XCTAssertEqual(r.document.kind, "KẾ HOẠCH")
        XCTAssertEqual(r.document.date, "2024-10-08")
    }

    func testKindAndNumberAsLiberationSerifPagesLeaveThem() {
        // text-admin documents rendered in Liberation Serif: "TỜ TRÌNH" read "Tl TRINH", a space inside the code
        let r = extract("VĂN PHÒNG CHÍNH PHỦ\nSố: 8794/V PCP-KGVX V/v ban hành Thông tư\nHà Nội, ngày 21 tháng 10 năm 2013\n\nTỪ TRÌNH\nDự án Luật\n")
        XCTAssertEqual(r.document.kind, "TỜ TRÌNH")
        XCTAssertEqual(r.document.number, "8794/VPCP-KGVX")
        // a capitals line the loose pattern takes but no kind is close to is not a kind
        XCTAssertNil(extract("TỈNH LÀO CAI\nSố: 12/UBND\n\nCHU THU\nNội dung\n").document.kind)
    }

    func testTitleEndsWhereThePreambleOrTheEnactingAuthorityBegins() {
        // text-admin congbot-31_2011_QD_UBND: no blank line between the title and what follows
        let qd = extract("ỦY BAN NHÂN DÂN TỈNH GIA LAI\nSố: 31/2011/QĐ-UBND\nGia Lai, ngày 10 tháng 11 năm 2011\nQUYẾT ĐỊNH\nVỀ VIỆC BAN HÀNH QUY ĐỊNH TRÌNH TỰ\nUỶ BAN NHÂN DÂN TỈNH\nCăn cứ Luật Tổ chức HĐND và UBND năm 2003;\n")
        XCTAssertEqual(qd.document.title, "VỀ VIỆC BAN HÀNH QUY ĐỊNH TRÌNH TỰ")
        let ttr = extract("BỘ Y TẾ\nSố: 12/TTr-BYT\nHà Nội, ngày 2 tháng 5 năm 2025\nTỜ TRÌNH\nDự án Luật Dân số\n—————\nKính gửi: Chính phủ\n")
        XCTAssertEqual(ttr.document.title, "Dự án Luật Dân số")
        // a title line that runs on ("… CỦA") keeps the body it names
        let kh = extract("UBND HUYỆN KỲ SƠN\nSố: 5/KH-UBND\n\nKẾ HOẠCH\nTRIỂN KHAI NGHỊ QUYẾT CỦA\nỦY BAN NHÂN DÂN TỈNH\n\nCăn cứ\n")
        XCTAssertEqual(kh.document.title, "TRIỂN KHAI NGHỊ QUYẾT CỦA ỦY BAN NHÂN DÂN TỈNH")
        // "Căn cứ" opens the preamble; a title line on "căn cước" does not end the title
        let cc = extract("BỘ CÔNG AN\nSố: 7/KH-BCA\n\nKẾ HOẠCH\nCấp thẻ\ncăn cước công dân năm 2025\n\nCăn cứ Luật\n")
        XCTAssertEqual(cc.document.title, "Cấp thẻ căn cước công dân năm 2025")
    }

    func testOCRDamagedCopiesOfOneCitedNumberAreOneReference() {
        // the title gives the code whole; the OCR lost or garbled its last letter further down
        let r = extract(Self.header + """
        Thực hiện Quyết định số 1237/QĐ-TTg ngày 27/7/2013 của Thủ tướng Chính phủ;
        Căn cứ Quyết định số 1237/QĐ-TT và Quyết định số 1237/QĐ-TTeg;
        Căn cứ Quyết định số 1237/QĐ-UBND ngày 02/8/2013 của UBND tỉnh.
        """)
        XCTAssertEqual(r.references.map(\.number), ["1237/QĐ-TTg", "1237/QĐ-UBND"])
    }

    func testLegislatureTermWithLettersForOnes() {
        let r = extract(Self.header + """
        Căn cứ Pháp lệnh số 26/2005/PL-UBTVQH1I và Nghị quyết số 176/2025/QHI5.
        """)
        XCTAssertEqual(r.references.map(\.number), ["26/2005/PL-UBTVQH11", "176/2025/QH15"])
    }

    func testHeaderPlaceNameDamagedByTheOCRIsPutRightByTheGazetteer() {
        let r = extract("""
        ỦY BAN NHÂN DÂN
        HUYỆN KỲ SIN
        Số: 27/KH-UBND

        KẾ HOẠCH
        Triển khai công tác tiêm chủng năm 2025
        """)
        XCTAssertEqual(r.document.issuer, "Ủy ban nhân dân huyện Kỳ Sơn")
    }
}
