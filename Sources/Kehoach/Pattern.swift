import CPCRE2Shim
import Foundation

/// A PCRE2 regular expression compiled once (JIT when available) for UTF-8 text.
///
/// Matches are reported as UTF-8 byte ranges into the subject, with named groups resolved, so
/// that callers can map them back to lines or to the original (unfolded) text.
public final class Pattern: @unchecked Sendable {
    /// A pattern that PCRE2 refused, with its message and the offset in the pattern.
    public struct CompileError: Error, CustomStringConvertible, Equatable, Sendable {
        public let pattern: String
        public let message: String
        /// Offset of the error in the pattern, in UTF-8 code units.
        public let offset: Int
        public var description: String { "invalid pattern at offset \(offset): \(message)" }
    }

    /// One match: the whole match and each capture as UTF-8 byte ranges (nil when the group did not take part).
    public struct Match: Sendable {
        public let range: Range<Int>
        public let groups: [Range<Int>?]
        let names: [String: Int]
        /// The byte range of a named group, if it took part in the match.
        public func range(_ name: String) -> Range<Int>? {
            guard let i = names[name], i < groups.count else { return nil }
            return groups[i]
        }
    }

    public let source: String
    public let caseless: Bool
    /// Group names → group numbers.
    public let names: [String: Int]
    private let code: OpaquePointer
    private let captureCount: Int
    private let jit: Bool

    public init(_ source: String, caseless: Bool = true) throws {
        self.source = source
        self.caseless = caseless
        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        var options = UInt32(PCRE2_UTF | PCRE2_UCP)
        if caseless { options |= UInt32(PCRE2_CASELESS) }
        let compiled = source.withCString { ptr in
            ptr.withMemoryRebound(to: UInt8.self, capacity: source.utf8.count + 1) {
                pcre2_compile_8($0, source.utf8.count, options, &errorCode, &errorOffset, nil)
            }
        }
        guard let compiled else {
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = pcre2_get_error_message_8(errorCode, &buffer, buffer.count)
            let message = n > 0 ? String(decoding: buffer.prefix(Int(n)), as: UTF8.self) : "error \(errorCode)"
            throw CompileError(pattern: source, message: message, offset: errorOffset)
        }
        code = compiled
        jit = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
        var count: UInt32 = 0
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        captureCount = Int(count)
        var nameCount: UInt32 = 0, entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>? = nil
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_NAMECOUNT), &nameCount)
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize)
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_NAMETABLE), &table)
        var names: [String: Int] = [:]
        if let table, nameCount > 0 {
            for i in 0..<Int(nameCount) {
                let entry = table + i * Int(entrySize)
                let number = Int(entry[0]) << 8 | Int(entry[1])
                var end = 2
                while end < Int(entrySize) && entry[end] != 0 { end += 1 }
                names[String(decoding: UnsafeBufferPointer(start: entry + 2, count: end - 2), as: UTF8.self)] = number
            }
        }
        self.names = names
    }

    deinit { pcre2_code_free_8(code) }

    /// Every non-overlapping match in `subject`, in order.
    public func matches(in subject: String) -> [Match] {
        var out: [Match] = []
        forEachMatch(in: subject) { out.append($0); return true }
        return out
    }

    /// The first match, or nil.
    public func firstMatch(in subject: String) -> Match? {
        var found: Match?
        forEachMatch(in: subject) { found = $0; return false }
        return found
    }

    /// Calls `body` with each match in order until it returns false.
    public func forEachMatch(in subject: String, _ body: (Match) -> Bool) {
        var text = subject
        text.withUTF8 { buf in
            guard let base = buf.baseAddress ?? UnsafePointer<UInt8>(bitPattern: 1) else { return }
            let length = buf.count
            guard let data = pcre2_match_data_create_from_pattern_8(code, nil) else { return }
            defer { pcre2_match_data_free_8(data) }
            let context = pcre2_match_context_create_8(nil)
            defer { if let context { pcre2_match_context_free_8(context) } }
            if let context {
                pcre2_set_match_limit_8(context, 1_000_000)
                pcre2_set_depth_limit_8(context, 10_000)
            }
            var start = 0
            var options: UInt32 = 0
            while start <= length {
                let rc = jit
                    ? pcre2_jit_match_8(code, base, length, start, options, data, context)
                    : pcre2_match_8(code, base, length, start, options, data, context)
                if rc < 0 {
                    // After an empty match, retry at the same place for a non-empty one, else move on.
                    if rc == PCRE2_ERROR_NOMATCH && options != 0 {
                        options = 0
                        start = nextCharacter(base, length, start)
                        continue
                    }
                    return
                }
                let ovector = pcre2_get_ovector_pointer_8(data)!
                let unset = kh_pcre2_unset()
                let whole = Int(ovector[0])..<Int(ovector[1])
                var groups: [Range<Int>?] = [whole]
                if captureCount > 0 {
                    for g in 1...captureCount {
                        let s = ovector[2 * g], e = ovector[2 * g + 1]
                        groups.append(s == unset ? nil : Int(s)..<Int(e))
                    }
                }
                if !body(Match(range: whole, groups: groups, names: names)) { return }
                if whole.isEmpty {
                    options = UInt32(PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED)
                    start = whole.upperBound
                } else {
                    options = 0
                    start = whole.upperBound
                }
            }
        }
    }

    private func nextCharacter(_ base: UnsafePointer<UInt8>, _ length: Int, _ i: Int) -> Int {
        var j = i + 1
        while j < length && base[j] & 0xC0 == 0x80 { j += 1 }
        return j
    }

    /// The text of a byte range of `subject`.
    public static func substring(_ subject: String, _ range: Range<Int>) -> String {
        let u = subject.utf8
        let s = u.index(u.startIndex, offsetBy: range.lowerBound)
        let e = u.index(s, offsetBy: range.count)
        return String(subject[s..<e])
    }
}
