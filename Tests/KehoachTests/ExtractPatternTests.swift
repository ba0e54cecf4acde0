import XCTest
@testable import Kehoach

final class ExtractPatternTests: XCTestCase {
    func testNamedGroupsAndOffsets() throws {
        let p = try Pattern(#"(?<n>\d+)/(?<kind>[a-zđ]+)"#)
        let text = "Số: 88/KH-UBND và 975/QĐ-UBND"
        let ms = p.matches(in: text)
        XCTAssertEqual(ms.count, 2)
        XCTAssertEqual(Pattern.substring(text, ms[0].range("n")!), "88")
        XCTAssertEqual(Pattern.substring(text, ms[1].range("kind")!), "QĐ")
    }

    func testCompileErrorNamesOffset() {
        XCTAssertThrowsError(try Pattern("(abc")) { error in
            let e = error as! Pattern.CompileError
            XCTAssertEqual(e.offset, 4)
            XCTAssertTrue(e.message.contains("missing"), e.message)
        }
    }
}
