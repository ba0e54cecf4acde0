import CICUShim

/// Unicode normalization and case mapping through ICU, and the diacritic folding used to match
/// names whatever marks the OCR left on them.
///
/// Stage 1 of the pipeline (normalize → tokenize → candidates → decode → extract → store).
public enum Normalize {
    /// NFC; ICU's quick check first, so text that is already NFC (nearly all input) costs one scan.
    public static func nfc(_ text: String) -> String {
        if plainlyNFC(text) || isNFC(text) { return text }
        return transform(text, KH_ICU_NFC)
    }

    public static func nfd(_ text: String) -> String { transform(text, KH_ICU_NFD) }

    /// The text as typed without diacritics (không dấu): every combining mark removed, đ → d, case
    /// and everything else kept.
    public static func stripMarks(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in nfd(text).unicodeScalars where !(0x300...0x36F).contains(s.value) {
            out.append(s == "đ" ? "d" : s == "Đ" ? "D" : s)
        }
        return nfc(String(out))
    }

    /// Lower case with ICU's Vietnamese rules.
    public static func lowercased(_ text: String) -> String {
        text.utf8.allSatisfy({ $0 < 0x80 }) ? text.lowercased() : transform(text, KH_ICU_LOWER)
    }

    public static func uppercased(_ text: String) -> String {
        text.utf8.allSatisfy({ $0 < 0x80 }) ? text.uppercased() : transform(text, KH_ICU_UPPER)
    }

    /// True when every scalar is one that is NFC whatever surrounds it: below U+0300 (ASCII, Latin-1,
    /// Latin Extended-A and -B), Latin Extended Additional (U+1E00–1EFF, the precomposed Vietnamese
    /// letters), the dashes and quotes U+2010–2027, or one ICU calls inert for NFC (the euro sign and
    /// the ligature ﬁ of OCR output). Answers most Vietnamese text from its bytes, without ICU's
    /// conversion to UTF-16; false sends the text to ICU's check.
    static func plainlyNFC(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { b in
            var i = 0
            let n = b.count
            while i < n {
                // Eight ASCII bytes at a time.
                while i + 8 <= n, UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
                guard i < n else { break }
                let c = b[i]
                if c < 0x80 { i += 1; continue }
                if c >= 0xC2 && c <= 0xCB { i += 2; continue }             // U+0080–02FF
                if c == 0xE1, i + 1 < n, b[i + 1] >= 0xB8 && b[i + 1] <= 0xBB { i += 3; continue }   // U+1E00–1EFF
                if c == 0xE2, i + 2 < n, b[i + 1] == 0x80, b[i + 2] >= 0x90 && b[i + 2] <= 0xA7 { i += 3; continue }   // U+2010–2027
                // Any other scalar (the text is valid UTF-8): decoded, and asked of ICU alone.
                guard i + utf8Length(lead: c) <= n else { return false }
                let (scalar, length) = utf8Scalar(b, at: i)
                guard kh_icu_nfc_inert(Int32(scalar)) == 1 else { return false }
                i += length
            }
            return true
        }
    }

    public static func isNFC(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { buf in
            buf.withMemoryRebound(to: CChar.self) { kh_icu_is_nfc($0.baseAddress, Int32($0.count)) == 1 }
        }
    }

    /// Case, diacritics and đ folded away: "Quyết định" → "quyet dinh". For matching only, never output.
    public static func fold(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in nfd(lowercased(text)).unicodeScalars {
            switch scalar.value {
            case 0x300...0x36F: continue
            case 0x111: out.append("d")
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    public static var icuVersion: String { String(cString: kh_icu_version()) }

    private static func transform(_ text: String, _ op: kh_icu_op) -> String {
        var copy = text
        return copy.withUTF8 { buf -> String in
            buf.withMemoryRebound(to: CChar.self) { chars -> String in
                var outLength: Int32 = 0
                var error: Int32 = 0
                guard let out = kh_icu_transform(op, chars.baseAddress, Int32(chars.count), &outLength, &error) else {
                    // ICU fails only on ill-formed UTF-16, which a Swift String cannot hold.
                    preconditionFailure("ICU transform failed with error \(error)")
                }
                defer { free(out) }
                return out.withMemoryRebound(to: UInt8.self, capacity: Int(outLength)) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: Int(outLength)), as: UTF8.self)
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif
