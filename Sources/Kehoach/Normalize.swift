import CICUShim

/// Unicode normalization and case mapping through ICU, and the diacritic folding used to match
/// names whatever marks the OCR left on them.
///
/// Stage 1 of the pipeline (normalize → tokenize → candidates → decode → extract → store).
public enum Normalize {
    /// NFC; ICU's quick check first, so text that is already NFC (nearly all input) costs one scan.
    public static func nfc(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        if isNFC(text) { return text }
        return transform(text, KH_ICU_NFC)
    }

    public static func nfd(_ text: String) -> String { transform(text, KH_ICU_NFD) }

    /// Lower case with ICU's Vietnamese rules.
    public static func lowercased(_ text: String) -> String {
        text.utf8.allSatisfy({ $0 < 0x80 }) ? text.lowercased() : transform(text, KH_ICU_LOWER)
    }

    public static func uppercased(_ text: String) -> String {
        text.utf8.allSatisfy({ $0 < 0x80 }) ? text.uppercased() : transform(text, KH_ICU_UPPER)
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
