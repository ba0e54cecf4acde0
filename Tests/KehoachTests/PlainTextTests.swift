import XCTest
@testable import Kehoach

/// Work on scalars and bytes gives what the same work Character by Character gives.
final class PlainTextTests: XCTestCase {
    static let texts = ["", " ", "\n", "a b  c ", "Số 12\r\nngày 3\n\nHà Nội", "x \u{301}y z", "a \u{200D}b c", "€ ﬁ “Kế hoạch” – 5%",
                        "\r\n\r\n", "e\u{301} \u{0E33} \u{1F3FB} end", "Ủy ban*nhân\u{A0}dân\ttỉnh & TP. HCM"]

    func testPiecesAreTheCharacterSplit() {
        for t in Self.texts {
            for sep: Character in [" ", "\n"] {
                XCTAssertEqual(t.pieces(separatedBy: sep), t.split(separator: sep, omittingEmptySubsequences: false), "\(t.debugDescription) by \(sep.debugDescription)")
                let inner = t.dropFirst()
                XCTAssertEqual(inner.pieces(separatedBy: sep), inner.split(separator: sep, omittingEmptySubsequences: false))
            }
        }
    }

    func testPlainSplitAndFilterAreTheCharacterOnes() {
        for t in Self.texts {
            if let pieces = t.plainSplit(whereSeparator: { $0.isWhitespaceCharacter || $0 == "*" }) {
                XCTAssertEqual(pieces, t.split(whereSeparator: { $0.isWhitespace || $0 == "*" }), t.debugDescription)
            }
            if let joined = t.plainJoined(whereSeparator: \.isWhitespaceCharacter) {
                XCTAssertEqual(joined, t.split(whereSeparator: \.isWhitespace).joined(separator: " "), t.debugDescription)
            }
            if let letters = t.plainFilter(\.isLetterCharacter) {
                XCTAssertEqual(letters, t.filter(\.isLetter), t.debugDescription)
            }
        }
        XCTAssertNil("x \u{301}y".plainSplit(whereSeparator: \.isWhitespaceCharacter))
        XCTAssertNil("a\r\nb".plainFilter(\.isLetterCharacter))
    }

    func testFirstOffsetIsFoundations() {
        for t in Self.texts + ["noi nhan", "- noi nhan:", "cac noi\nnhan, noi nhan"] {
            for needle in ["noi nhan", " ", "h", "ân"] {
                XCTAssertEqual(t.firstOffset(of: needle), t.range(of: needle).map { t.utf8.distance(from: t.utf8.startIndex, to: $0.lowerBound) })
            }
        }
    }

    func testScalarTestsAreTheCharacterTests() {
        for v in 0..<0x3_0000 {
            guard let u = Unicode.Scalar(v) else { continue }
            let c = Character(u)
            XCTAssertEqual(u.isWhitespaceCharacter, c.isWhitespace, "U+\(String(v, radix: 16))")
            XCTAssertEqual(u.isLetterCharacter, c.isLetter, "U+\(String(v, radix: 16))")
            XCTAssertEqual(u.isNumberCharacter, c.isNumber, "U+\(String(v, radix: 16))")
            XCTAssertEqual(u.isUppercaseLetter, u.properties.isUppercase, "U+\(String(v, radix: 16))")
            XCTAssertEqual(u.isCasedLetter, u.properties.isCased, "U+\(String(v, radix: 16))")
        }
    }
}
