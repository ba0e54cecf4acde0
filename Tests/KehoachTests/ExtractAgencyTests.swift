import XCTest
@testable import Kehoach

/// Agencies on short passages written as plans of any sector write them: one test per rule kind,
/// with the exact agencies expected (name and role).
final class ExtractAgencyTests: XCTestCase {
    static let extractor = ExtractDocumentTests.extractor

    /// The agencies of a passage (a plan's title line is put before it) as "name|role".
    func agencies(_ passage: String) -> [String] {
        let text = "KẾ HOẠCH\nThực hiện nhiệm vụ năm 2025\n\n" + passage + "\n"
        return Self.extractor.extract(text: text, path: "t.txt", sha256: "").agencies.map { "\($0.name)|\($0.role)" }
    }

    // Names end at a duty verb or a time word, even capitalised after a place.
    func testNameEndsAtDutyVerb() {
        XCTAssertEqual(agencies("- Phòng Dân tộc huyện chủ trì, phối hợp với Trung tâm Y tế huyện rà soát danh sách."),
                       ["Phòng Dân tộc huyện|lead", "Trung tâm Y tế huyện|support"])
        XCTAssertEqual(agencies("IV. TỔ CHỨC THỰC HIỆN\n1. Trung tâm Y tế huyện - Chủ trì\nTổ chức tiêm chủng."),
                       ["Trung tâm Y tế huyện|lead"])
    }

    // After a place's name a lower-case word ends the body's name.
    func testNameEndsAfterPlaceName() {
        XCTAssertEqual(agencies("- Phối hợp với Ủy ban nhân dân xã Minh Sơn vận động người dân bàn giao mặt bằng."),
                       ["Ủy ban nhân dân xã Minh Sơn|support"])
        XCTAssertEqual(agencies("- Phối hợp với Chi cục Thuế khu vực Gia Nghĩa - Đắk Glong rà soát doanh nghiệp."),
                       ["Chi cục Thuế khu vực Gia Nghĩa - Đắk Glong|support"])
    }

    // A field with commas and "và", and a lower-case field up to the place word, stay in the name.
    func testNameKeepsItsField() {
        XCTAssertEqual(agencies("- Phối hợp với Trung tâm Văn hóa, Thể thao và Truyền thông huyện tuyên truyền trên sóng phát thanh."),
                       ["Trung tâm Văn hóa, Thể thao và Truyền thông huyện|support"])
        XCTAssertEqual(agencies("- Giao Ban Quản lý dự án đầu tư xây dựng huyện hoàn thiện hồ sơ."),
                       ["Ban Quản lý dự án đầu tư xây dựng huyện|assigned"])
        XCTAssertEqual(agencies("- Giao Hội đồng bồi thường, hỗ trợ và tái định cư huyện lập phương án."),
                       ["Hội đồng bồi thường, hỗ trợ và tái định cư huyện|assigned"])
    }

    // Kinds of body of other sectors.
    func testOtherKindsOfBody() {
        XCTAssertEqual(agencies("IV. TỔ CHỨC THỰC HIỆN\n1. Hạt Kiểm lâm huyện M'Đrắk\nTuần tra rừng.\n2. Đồn Biên phòng Mỹ Lý\nVận động nhân dân.\n3. Huyện đoàn\nRa quân trồng cây."),
                       ["Hạt Kiểm lâm huyện M'Đrắk|lead", "Đồn Biên phòng Mỹ Lý|lead", "Huyện đoàn|lead"])
        XCTAssertEqual(agencies("- Phối hợp với Đội Quản lý thị trường số 4 kiểm tra cơ sở kinh doanh."),
                       ["Đội Quản lý thị trường số 4|support"])
    }

    // A heading naming several bodies gives one lead per body (ANNOTATION-NOTES), also in a công văn.
    func testHeadingOfSeveralBodies() {
        XCTAssertEqual(agencies("III. TỔ CHỨC THỰC HIỆN\n3. Phòng Tài chính - Kế hoạch quận, Phòng Kinh tế quận\nBố trí kinh phí."),
                       ["Phòng Tài chính - Kế hoạch quận|lead", "Phòng Kinh tế quận|lead"])
        XCTAssertEqual(agencies("6. Đề nghị Huyện đoàn, Hội Cựu chiến binh huyện\nVận động đoàn viên, hội viên."),
                       ["Huyện đoàn|lead", "Hội Cựu chiến binh huyện|lead"])
        XCTAssertEqual(agencies("III. TỔ CHỨC THỰC HIỆN\n2. Bộ phận Tiếp nhận và Trả kết quả phường, công chức Văn phòng - Thống kê\nHướng dẫn người dân."),
                       ["Bộ phận Tiếp nhận và Trả kết quả phường|lead", "Công chức Văn phòng - Thống kê|lead"])   // a name starts with a capital, as the d11 key writes it
    }

    // Collective subjects count as subjects; groups of bodies not as the object of "phối hợp".
    func testGroups() {
        XCTAssertEqual(agencies("5. Các cơ quan, đơn vị báo cáo kết quả thực hiện về Ủy ban nhân dân huyện."),
                       ["Các cơ quan, đơn vị|assigned"])
        XCTAssertEqual(agencies("- Phối hợp với Trưởng ấp, khóm vận động hộ gia đình."), ["Trưởng ấp, khóm|support"])
        XCTAssertEqual(agencies("- Phối hợp với các cơ quan, đơn vị tổ chức tuyên truyền."), [])
        XCTAssertEqual(agencies("Ủy ban nhân dân huyện yêu cầu các cơ quan, đơn vị, địa phương triển khai thực hiện."), [])
    }

    // Bodies that are only the object of "chỉ đạo" are not listed (ANNOTATION-NOTES).
    func testObjectOfChiDao() {
        XCTAssertEqual(agencies("- Chỉ đạo Ban Quản lý dự án công trình nông nghiệp tỉnh khẩn trương thi công."), [])
    }

    // Officials: the body an official heads; a chairing official does not make the body lead.
    func testOfficials() {
        XCTAssertEqual(agencies("Điều 4. Chánh Văn phòng HĐND và UBND huyện, Trưởng phòng Y tế huyện, Chủ tịch Ủy ban nhân dân các xã, thị trấn và Thủ trưởng các cơ quan, đơn vị có liên quan chịu trách nhiệm thi hành Quyết định này."),
                       ["Văn phòng HĐND và UBND huyện|assigned", "Phòng Y tế huyện|assigned",
                        "Ủy ban nhân dân các xã, thị trấn|assigned", "Các cơ quan, đơn vị có liên quan|assigned"])
        XCTAssertEqual(agencies("Ngày 01/8/2025, Phó Chủ tịch Ủy ban nhân dân tỉnh chủ trì cuộc họp."), [])
    }

    // Roles: the subject of "phối hợp" is assigned, bodies in a parenthesis beside a duty support;
    // a numbered line that goes on with a duty verb is an item (assigned), a heading "Đề nghị X" lead.
    func testRoles() {
        XCTAssertEqual(agencies("2. Phòng Dân tộc huyện phối hợp với Ủy ban nhân dân các xã rà soát danh sách."),
                       ["Phòng Dân tộc huyện|assigned", "Ủy ban nhân dân các xã|support"])
        XCTAssertEqual(agencies("- Cung cấp thông tin doanh nghiệp (Chi cục Thuế khu vực số 1 phối hợp với Bảo hiểm xã hội huyện)."),
                       ["Chi cục Thuế khu vực số 1|support", "Bảo hiểm xã hội huyện|support"])
        XCTAssertEqual(agencies("III. TỔ CHỨC THỰC HIỆN\n4. Đề nghị Liên đoàn Lao động huyện tăng cường giám sát việc đóng BHXH."),
                       ["Liên đoàn Lao động huyện|assigned"])
        XCTAssertEqual(agencies("2. Đề nghị Ủy ban nhân dân xã phối hợp\nTổ chức hội nghị."), ["Ủy ban nhân dân xã|assigned"])
    }

    // A heading of bodies that runs on to the next line after a comma.
    func testHeadingRunsOn() {
        XCTAssertEqual(agencies("7. Đề nghị Ngân hàng Nông nghiệp và Phát triển nông thôn chi nhánh huyện Bình Liêu,\nHội Nông dân huyện\nHỗ trợ vốn vay ưu đãi."),
                       ["Ngân hàng Nông nghiệp và Phát triển nông thôn chi nhánh huyện Bình Liêu|lead", "Hội Nông dân huyện|lead"])
    }

    // An item that is only a name is an enumeration ("3. Bộ Ngoại giao;"), not a duty.
    func testEnumerationIsNoDuty() {
        XCTAssertEqual(agencies("Điều 3. Các cơ quan sau đây:\n1. Bộ Quốc phòng;\n2. Bộ Ngoại giao;"), [])
    }

    // OCR: a damaged "huyện" is read as the place word and written right; residue is dropped.
    func testDamagedPlaceWord() {
        XCTAssertEqual(agencies("- Phối hợp với Phòng Y tế] huyiin tổ chức tiêm chủng."), ["Phòng Y tế huyện|support"])
        XCTAssertEqual(agencies("- Phối hợp với Chi cục Thống kê khu việc Kon Plông-Kon Rẫy rà soát doanh nghiệp."),
                       ["Chi cục Thống kê khu vực Kon Plông-Kon Rẫy|support"])
    }

    // A line that opens with bodies followed by a duty verb; a second body after "và" across a line break.
    func testLineSubject() {
        XCTAssertEqual(agencies("IV. CHẾ ĐỘ BÁO CÁO\nCác đơn vị được giao nhiệm vụ báo cáo kết quả về Phòng Giáo dục và Đào tạo huyện."),
                       ["Các đơn vị được giao nhiệm vụ|assigned"])
        XCTAssertEqual(agencies("Ban Chỉ đạo ban hành Kế hoạch thực hiện năm 2025 như sau:"), [])
        XCTAssertEqual(agencies("- Chủ trì, phối hợp với Bưu điện huyện và Ủy\nban nhân dân các xã rà soát danh sách."),
                       ["Bưu điện huyện|support", "Ủy ban nhân dân các xã|support"])
    }

    // OCR: a heading whose request word and bodies' first words are damaged, put right by the known names.
    func testDamagedHeading() {
        XCTAssertEqual(agencies("III. TỔ CHỨC THỰC HIỆN\n5. Đã nghỉ) Hai Liên hiệp Phụ nữ huyện, Điện Biên phòng Mỹ Lý\nVận động các bà mẹ."),
                       ["Hội Liên hiệp Phụ nữ huyện|lead", "Đồn Biên phòng Mỹ Lý|lead"])
    }

    // Not bodies: a meeting ("Hội nghị …"), a verb glued to an acronym head, "quản trị" read as "quận".
    func testNotBodies() {
        XCTAssertEqual(agencies("III. TỔ CHỨC THỰC HIỆN\n1. Hội nghị hiệp thương lần thứ nhất\nThời gian: tháng 01/2026."), [])
        XCTAssertEqual(agencies("- MTTQ Phối hợp với Hội Nông dân xã tuyên truyền."), ["Hội Nông dân xã|support"])
        XCTAssertEqual(agencies("- Phối hợp với Ban quản trị nhà chung cư tổ chức hội nghị."), [])
    }

    // A run of numbered lines that are only names is an enumeration, even where the OCR read ";" as ":".
    func testRunOfNumberedNamesIsAnEnumeration() {
        XCTAssertEqual(agencies("""
        II. KẾT QUẢ RÀ SOÁT
        Cơ cấu tổ chức của Chính phủ gồm:
        8. Bộ Nông nghiệp và Môi trường;
        9. Bộ Xây dựng:
        10. Bộ Văn hóa, Thể thao và Du lịch;
        """), [])
    }

    // A heading opens with a capital: a head the OCR left in lower case there is still a body.
    func testLowerCaseHeadAtAHeadingsStart() {
        XCTAssertEqual(agencies("""
        3. Phân công nhiệm vụ
        e) ủy ban nhân dân các xã, thị trấn
        - Thành lập đoàn kiểm tra cấp xã.
        """), ["Ủy ban nhân dân các xã, thị trấn|lead"])
    }
}
