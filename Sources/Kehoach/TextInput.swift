import Foundation

/// Why a file cannot be processed: said so that an archivist can find the file and the place.
public struct InputError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case missing, unreadable, notRegular = "not-regular", empty, tooLarge = "too-large", binary, invalidUTF8 = "invalid-utf8", utf16 = "utf-16"
        /// A byte the encoding given with `--encoding` does not define, or a character mojibake cannot have come from.
        case notInEncoding = "not-in-encoding"
    }
    public let path: String
    public let kind: Kind
    public let detail: String
    /// Byte offset of the first offending byte, where there is one.
    public let byteOffset: Int?
    /// What to do about it, said after the place: "convert the file to UTF-8 first".
    public var advice: String? = nil

    public var description: String {
        let place = byteOffset.map { " at byte \($0)" } ?? ""
        return "\(path): \(detail)\(place)" + (advice.map { "; \($0)" } ?? "")
    }
}

/// Reads documents and refuses what is not text before any stage sees it.
public enum TextInput {
    /// Plans and letters run to a few hundred kilobytes; anything this large is an export gone
    /// wrong or not a document, and holding it whole would starve a parallel batch.
    public static let defaultMaxBytes = 20 * 1024 * 1024

    /// The file's text: the encoding detected (or `encoding`), NFC.
    public static func read(path: String, maxBytes: Int = defaultMaxBytes, encoding: TextEncoding? = nil,
                            tables: EncodingTables = .none) throws -> String {
        try readText(path: path, maxBytes: maxBytes, encoding: encoding, tables: tables).text
    }

    /// The file's text and the encoding it was in.
    public static func readText(path: String, maxBytes: Int = defaultMaxBytes, encoding: TextEncoding? = nil,
                                tables: EncodingTables = .none) throws -> DecodedText {
        try decodeText(readData(path: path, maxBytes: maxBytes), path: path, maxBytes: maxBytes, encoding: encoding, tables: tables)
    }

    /// The file's bytes, undecoded, after the checks `read` makes before decoding.
    public static func readData(path: String, maxBytes: Int = defaultMaxBytes) throws -> Data {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(path: path, kind: .missing, detail: "no such file", byteOffset: nil)
        }
        if isDirectory.boolValue {
            throw InputError(path: path, kind: .unreadable, detail: "is a directory, not a text file", byteOffset: nil)
        }
        // Opening a FIFO would wait for a writer forever; a device never ends.
        if let problem = notRegularFile(path) {
            throw InputError(path: path, kind: .notRegular, detail: problem, byteOffset: nil)
        }
        if let size = (try? fm.attributesOfItem(atPath: path))?[.size] as? Int, size > maxBytes {
            throw InputError(path: path, kind: .tooLarge,
                             detail: "file is \(formatBytes(size)), over the \(formatBytes(maxBytes)) limit for one document",
                             byteOffset: nil)
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError(path: path, kind: .unreadable, detail: "cannot be opened for reading (permissions?)", byteOffset: nil)
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw InputError(path: path, kind: .unreadable, detail: "read failed: \(error.localizedDescription)", byteOffset: nil)
        }
        return data
    }

    /// Whether `data` starts with the UTF-8 byte order mark, which `decode` drops and a writer of
    /// the same text may want to give back.
    public static func startsWithByteOrderMark(_ data: Data) -> Bool {
        data.starts(with: [0xEF, 0xBB, 0xBF])
    }

    /// Decodes bytes as text (see `decodeText`) and gives the text alone.
    public static func decode(_ data: Data, path: String, maxBytes: Int = defaultMaxBytes, encoding: TextEncoding? = nil,
                              tables: EncodingTables = .none) throws -> String {
        try decodeText(data, path: path, maxBytes: maxBytes, encoding: encoding, tables: tables).text
    }

    /// Validates and decodes bytes as text: not empty, not binary, NFC on return.
    ///
    /// Without `encoding`, what the bytes are is detected, conservatively: UTF-8 (a byte order mark
    /// dropped) is read as UTF-8 unless the whole text is mojibake of Vietnamese (every character
    /// one that Windows-1252, Windows-1258 or Latin-1 reads a byte as, those bytes UTF-8, and the
    /// result Vietnamese), which is repaired; UTF-16 is known by its byte order mark or NULs in every
    /// other byte; bytes that are not UTF-8 are read in each 8-bit Vietnamese encoding
    /// (Windows-1258 through ICU, and TCVN3, VNI and VISCII where `tables` has them) and the
    /// reading with the most Vietnamese syllables is taken, if it is plainly Vietnamese; otherwise
    /// the file is refused as invalid UTF-8 at its first bad byte. With `encoding` the bytes are
    /// read in it and nothing else.
    ///
    /// An OCR engine's TSV, hOCR or ALTO output is then read into its page text, with each word's
    /// confidence (`OCROutput`, `DecodedText.confidences`).
    public static func decodeText(_ data: Data, path: String, maxBytes: Int = defaultMaxBytes, encoding: TextEncoding? = nil,
                                  tables: EncodingTables = .none) throws -> DecodedText {
        var decoded = try decodeCharacters(data, path: path, maxBytes: maxBytes, encoding: encoding, tables: tables)
        if let reading = OCROutput.read(decoded.text) {
            guard !reading.text.isEmpty else {
                throw InputError(path: path, kind: .empty, detail: "\(reading.format.rawValue) output with no words", byteOffset: nil)
            }
            decoded.text = reading.text
            decoded.ocrFormat = reading.format
            decoded.confidences = reading.confidences
        }
        return decoded
    }

    /// `decodeText`'s characters, before an OCR engine's format is recognised in them.
    static func decodeCharacters(_ data: Data, path: String, maxBytes: Int = defaultMaxBytes, encoding: TextEncoding? = nil,
                                 tables: EncodingTables = .none) throws -> DecodedText {
        if data.count > maxBytes {
            throw InputError(path: path, kind: .tooLarge,
                             detail: "input is \(formatBytes(data.count)), over the \(formatBytes(maxBytes)) limit for one document",
                             byteOffset: nil)
        }
        return try data.withUnsafeBytes { raw -> DecodedText in
            let all = raw.bindMemory(to: UInt8.self)
            switch encoding {
            case nil: return try detect(all, path: path, tables: tables)
            case .utf8?: return DecodedText(text: Normalize.nfc(try utf8Text(all, path: path)), encoding: .utf8)
            case .utf16?, .utf16LE?, .utf16BE?:
                let order: TextEncoding
                if encoding == .utf16 {
                    let form = utf16Form(all)
                    order = form == "big-endian" ? .utf16BE : .utf16LE
                } else {
                    order = encoding!
                }
                return DecodedText(text: try utf16Text(all, path: path, order: order), encoding: order)
            case .utf8Mojibake?:
                let text = try utf8Text(all, path: path)
                let (bytes, _, failure) = Mojibake.originalBytes(text)
                let bom = startsWithByteOrderMark(Data(all.prefix(3))) ? 3 : 0
                if let failure {
                    throw InputError(path: path, kind: .notInEncoding,
                                     detail: String(format: "U+%04X (%@) is not a character Windows-1252 or Windows-1258 reads a byte as, so this is not UTF-8 mojibake",
                                                    failure.scalar.value, String(failure.scalar)),
                                     byteOffset: failure.offset + bom)
                }
                let repaired: String = try bytes.withUnsafeBufferPointer { b in
                    if let offset = firstInvalidUTF8(b) {
                        throw InputError(path: path, kind: .notInEncoding,
                                         detail: String(format: "the bytes under the mojibake are not UTF-8 (0x%02X)", b[offset]),
                                         byteOffset: nil)
                    }
                    return String(decoding: b, as: UTF8.self)
                }
                return DecodedText(text: Normalize.nfc(repaired), encoding: .utf8Mojibake)
            case let legacy?:
                return DecodedText(text: try legacyText(all, path: path, encoding: legacy, tables: tables), encoding: legacy)
            }
        }
    }

    /// VISCII writes six capitals on C0 control bytes.
    static let visciiControlLetters: Set<UInt8> = [0x02, 0x05, 0x06, 0x14, 0x19, 0x1E]

    static func detect(_ all: UnsafeBufferPointer<UInt8>, path: String, tables: EncodingTables) throws -> DecodedText {
        let bom = all.count >= 3 && all[0] == 0xEF && all[1] == 0xBB && all[2] == 0xBF
        if !bom, let form = utf16Form(all) {
            let order: TextEncoding = form == "big-endian" ? .utf16BE : .utf16LE
            let how = all.count >= 2 && (all[0] == 0xFF && all[1] == 0xFE || all[0] == 0xFE && all[1] == 0xFF)
                ? "byte order mark" : "no byte order mark; NULs in every other byte"
            return DecodedText(text: try utf16Text(all, path: path, order: order), encoding: order, detected: true, evidence: how)
        }
        // Offsets below count from after a UTF-8 byte order mark, as they always have.
        let bytes = bom ? UnsafeBufferPointer(rebasing: all[3...]) : all
        if bom, let form = utf16Form(bytes) {
            throw InputError(path: path, kind: .utf16, detail: "UTF-16 text (\(form)) after a UTF-8 byte order mark", byteOffset: nil)
        }
        try refuseEmpty(bytes, path: path)
        if let offset = firstBinaryByte(bytes) {
            // Only VISCII's capitals on control bytes may stand where a control byte does.
            let onlyVISCII = bytes.allSatisfy { $0 >= 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x0C || visciiControlLetters.contains($0) }
            if !bom, onlyVISCII, let found = bestLegacy(bytes, candidates: [.viscii], tables: tables) {
                return found
            }
            throw binaryError(bytes, offset: offset, path: path)
        }
        if let offset = firstInvalidUTF8(bytes) {
            // UTF-8 with a few bad bytes (damaged, or cut) is not an 8-bit file: those have few or
            // no well-formed UTF-8 sequences, by chance only (VISCII's "ươ" is one).
            let census = utf8Census(UnsafeBufferPointer(rebasing: bytes[..<min(bytes.count, 256 * 1024)]))
            if !bom, census.invalid > 4 * census.multibyte,
               let found = bestLegacy(bytes, candidates: TextEncoding.legacy, tables: tables) { return found }
            var others = TextEncoding.legacy.filter { $0 == .windows1258 || tables.tables[$0] != nil }.map(\.displayName)
            let last = others.removeLast()
            let list = others.isEmpty ? last : others.joined(separator: ", ") + " or " + last
            throw InputError(path: path, kind: .invalidUTF8, detail: String(format: "invalid UTF-8 (0x%02X)", bytes[offset]),
                             byteOffset: offset,
                             advice: "not Vietnamese text in \(list) either: convert the file to UTF-8 first, or name its encoding with --encoding")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if let repaired = Mojibake.repair(text) {
            return DecodedText(text: Normalize.nfc(repaired.text), encoding: .utf8Mojibake, detected: true, evidence: repaired.evidence)
        }
        return DecodedText(text: Normalize.nfc(text), encoding: .utf8)
    }

    /// The 8-bit encoding that reads the bytes as the most Vietnamese syllables, when its reading is
    /// plainly Vietnamese (VietnameseScore.plausible); ties go to the earlier candidate. Scored on
    /// the first 64 KB (ten thousand words).
    static func bestLegacy(_ bytes: UnsafeBufferPointer<UInt8>, candidates: [TextEncoding], tables: EncodingTables) -> DecodedText? {
        let sampleEnd: Int = {
            let limit = 64 * 1024
            guard bytes.count > limit else { return bytes.count }
            return (bytes[..<limit].lastIndex(of: 0x0A) ?? limit - 1) + 1
        }()
        let sample = UnsafeBufferPointer(rebasing: bytes[..<sampleEnd])
        var scored: [(encoding: TextEncoding, score: VietnameseScore)] = []
        for e in candidates {
            guard let text = try? legacyDecode(sample, encoding: e, tables: tables).get() else { continue }
            scored.append((e, VietnameseScore(text)))
        }
        let ranked = scored.enumerated().sorted { a, b in
            a.element.score.valid != b.element.score.valid ? a.element.score.valid > b.element.score.valid : a.offset < b.offset
        }.map(\.element)
        for (i, c) in ranked.enumerated() where c.score.plausible {
            guard let text = try? legacyDecode(bytes, encoding: c.encoding, tables: tables).get() else { continue }
            var evidence = c.score.description
            if let next = ranked.enumerated().first(where: { $0.offset != i })?.element {
                evidence += "; next best \(next.encoding.displayName): \(next.score.valid)"
            }
            return DecodedText(text: text, encoding: c.encoding, detected: true, evidence: evidence)
        }
        return nil
    }

    struct Undefined: Error { let offset: Int }

    /// The bytes in an 8-bit encoding, NFC (TCVN3's capitals put back), or the first undefined byte.
    static func legacyDecode(_ bytes: UnsafeBufferPointer<UInt8>, encoding: TextEncoding, tables: EncodingTables) -> Result<String, Undefined> {
        if encoding == .windows1258 {
            let (text, undefinedAt) = icuDecode("windows-1258", bytes)
            guard let text else { return .failure(Undefined(offset: undefinedAt ?? 0)) }
            return .success(Normalize.nfc(text))
        }
        guard let table = tables.tables[encoding] else { return .failure(Undefined(offset: 0)) }
        let (text, undefinedAt) = table.decode(bytes)
        if let undefinedAt { return .failure(Undefined(offset: undefinedAt)) }
        return .success(Normalize.nfc(table.restoreCapitals(text)))
    }

    /// `--encoding` an 8-bit one: the same checks as for UTF-8 (empty, binary), then its table.
    static func legacyText(_ bytes: UnsafeBufferPointer<UInt8>, path: String, encoding: TextEncoding, tables: EncodingTables) throws -> String {
        if encoding != .windows1258 && tables.tables[encoding] == nil {
            throw InputError(path: path, kind: .unreadable,
                             detail: "no table for \(encoding.displayName): encodings/\(encoding.tableName ?? encoding.rawValue).tsv is missing from the rules folder",
                             byteOffset: nil)
        }
        try refuseEmpty(bytes, path: path)
        let binary = encoding == .viscii
            ? bytes.firstIndex { $0 < 0x20 && ![0x09, 0x0A, 0x0D, 0x0C].contains($0) && !visciiControlLetters.contains($0) }
            : firstBinaryByte(bytes)
        if let offset = binary { throw binaryError(bytes, offset: offset, path: path) }
        switch legacyDecode(bytes, encoding: encoding, tables: tables) {
        case .success(let text): return text
        case .failure(let u):
            throw InputError(path: path, kind: .notInEncoding,
                             detail: String(format: "byte 0x%02X is not a character in %@", bytes[u.offset], encoding.displayName),
                             byteOffset: u.offset)
        }
    }

    static func refuseEmpty(_ bytes: UnsafeBufferPointer<UInt8>, path: String) throws {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            throw InputError(path: path, kind: .empty,
                             detail: bytes.isEmpty ? "file is empty" : "file holds only white space", byteOffset: nil)
        }
    }

    static func binaryError(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int, path: String) -> InputError {
        InputError(path: path, kind: .binary, detail: String(format: "binary data, not text (control byte 0x%02X)", bytes[offset]),
                   byteOffset: offset)
    }

    /// Today's UTF-8 reading, unchanged: a UTF-8 byte order mark dropped, UTF-16 refused, then the
    /// empty, binary and well-formedness checks. Not yet NFC.
    static func utf8Text(_ all: UnsafeBufferPointer<UInt8>, path: String) throws -> String {
        var bytes = all
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            bytes = UnsafeBufferPointer(rebasing: bytes[3...])
        }
        if let form = utf16Form(bytes) {
            throw InputError(path: path, kind: .utf16,
                             detail: "UTF-16 text (\(form)), not UTF-8; convert the file to UTF-8 first (iconv -f UTF-16 -t UTF-8), or leave out --encoding utf-8",
                             byteOffset: nil)
        }
        try refuseEmpty(bytes, path: path)
        if let offset = firstBinaryByte(bytes) {
            throw InputError(path: path, kind: .binary,
                             detail: String(format: "binary data, not text (control byte 0x%02X)", bytes[offset]),
                             byteOffset: offset)
        }
        if let offset = firstInvalidUTF8(bytes) {
            throw InputError(path: path, kind: .invalidUTF8, detail: String(format: "invalid UTF-8 (0x%02X)", bytes[offset]),
                             byteOffset: offset, advice: "convert the file to UTF-8 first")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// UTF-16 in the given byte order (a byte order mark of that order dropped), NFC; refused when
    /// it ends in half a unit or holds a lone surrogate, and, like UTF-8, when empty or binary.
    /// Offsets are the file's bytes.
    static func utf16Text(_ all: UnsafeBufferPointer<UInt8>, path: String, order: TextEncoding) throws -> String {
        let big = order == .utf16BE
        var start = 0
        if all.count >= 2, big ? (all[0] == 0xFE && all[1] == 0xFF) : (all[0] == 0xFF && all[1] == 0xFE) { start = 2 }
        let count = (all.count - start) / 2
        func unit(_ k: Int) -> UInt16 {
            let a = UInt16(all[start + 2 * k]), b = UInt16(all[start + 2 * k + 1])
            return big ? a << 8 | b : b << 8 | a
        }
        var scalars = String.UnicodeScalarView()
        var k = 0
        var blank = true
        while k < count {
            let u = unit(k)
            let at = start + 2 * k
            var scalar: Unicode.Scalar
            if (0xD800...0xDBFF).contains(u), k + 1 < count, (0xDC00...0xDFFF).contains(unit(k + 1)) {
                let v = 0x10000 + (UInt32(u - 0xD800) << 10) + UInt32(unit(k + 1) - 0xDC00)
                scalar = Unicode.Scalar(v)!
                k += 2
            } else if let s = Unicode.Scalar(u) {
                scalar = s
                k += 1
            } else {
                throw InputError(path: path, kind: .utf16, detail: String(format: "invalid UTF-16 (lone surrogate 0x%04X)", u), byteOffset: at)
            }
            if scalar.value < 0x20, ![0x09, 0x0A, 0x0D, 0x0C].contains(scalar.value) {
                throw InputError(path: path, kind: .binary,
                                 detail: String(format: "binary data, not text (control character U+%04X)", scalar.value), byteOffset: at)
            }
            if ![0x20, 0x09, 0x0A, 0x0D].contains(scalar.value) { blank = false }
            scalars.append(scalar)
        }
        if (all.count - start) % 2 == 1 {
            throw InputError(path: path, kind: .utf16, detail: "UTF-16 text that ends in half a character", byteOffset: all.count - 1)
        }
        if blank {
            throw InputError(path: path, kind: .empty, detail: scalars.isEmpty ? "file is empty" : "file holds only white space", byteOffset: nil)
        }
        // A byte order mark written twice, or the other order's, is text: dropped as UTF-8's is.
        var text = String(scalars)
        if text.unicodeScalars.first == "\u{FEFF}" { text = String(text.unicodeScalars.dropFirst()) }
        return Normalize.nfc(text)
    }

    /// "little-endian" or "big-endian" when the bytes are UTF-16: a byte order mark (FF FE, FE FF),
    /// or NULs in every other byte, as UTF-16 writes the Latin letters, digits and spaces that
    /// make most of a Vietnamese text. Nil for anything else: UTF-8 text has no NUL at all.
    static func utf16Form(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE { return "little-endian" }
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF { return "big-endian" }
        let pairs = min(bytes.count, 4096) / 2
        guard pairs >= 2 else { return nil }
        var zeroFirst = 0, zeroSecond = 0
        for k in 0..<pairs {
            let a = bytes[2 * k], b = bytes[2 * k + 1]
            if a == 0 && b != 0 { zeroFirst += 1 }
            if b == 0 && a != 0 { zeroSecond += 1 }
        }
        // A third of the characters at least, and the NULs always on the same side.
        if zeroSecond * 3 >= pairs && zeroFirst == 0 { return "little-endian" }
        if zeroFirst * 3 >= pairs && zeroSecond == 0 { return "big-endian" }
        return nil
    }

    /// A NUL or other C0 control byte (but tab, newlines and form feed) marks binary data.
    static func firstBinaryByte(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        for (i, b) in bytes.enumerated() where b < 0x20 {
            if b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C { continue }
            return i
        }
        return nil
    }

    /// Well-formed UTF-8 sequences of two bytes or more, and bytes that start none.
    static func utf8Census(_ bytes: UnsafeBufferPointer<UInt8>) -> (multibyte: Int, invalid: Int) {
        var multibyte = 0, invalid = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] < 0x80 { i += 1; continue }
            let rest = UnsafeBufferPointer(rebasing: bytes[i..<min(bytes.count, i + 4)])
            let length: Int
            switch bytes[i] {
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: length = 0
            }
            if length > 0, rest.count >= length, firstInvalidUTF8(UnsafeBufferPointer(rebasing: rest[..<length])) == nil {
                multibyte += 1
                i += length
            } else {
                invalid += 1
                i += 1
            }
        }
        return (multibyte, invalid)
    }

    /// Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF).
    static func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let need: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: need = 2
            case 0xED: need = 2; upper = 0x9F
            case 0xF0: need = 3; lower = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; upper = 0x8F
            default: return i
            }
            for k in 1...need {
                guard i + k < n else { return i }
                let c = bytes[i + k]
                let lo: UInt8 = k == 1 ? lower : 0x80, hi: UInt8 = k == 1 ? upper : 0xBF
                if c < lo || c > hi { return i }
            }
            i += need + 1
        }
        return nil
    }

    /// "not a regular file (a FIFO)" for what stat shows is not a plain file; nil for a plain file.
    public static func notRegularFile(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a directory, not a text file"
        case S_IFIFO: return "not a regular file (a FIFO)"
        case S_IFCHR, S_IFBLK: return "not a regular file (a device)"
        case S_IFSOCK: return "not a regular file (a socket)"
        default: return "not a regular file"
        }
    }

    public static func formatBytes(_ n: Int) -> String {
        if n >= 1 << 20 { return String(format: "%.1f MB", Double(n) / 1_048_576) }
        if n >= 1 << 10 { return String(format: "%.1f KB", Double(n) / 1024) }
        return "\(n) bytes"
    }
}

/// Writes a file so that readers never see it half-written: a temporary file beside it, then rename.
public enum AtomicFile {
    /// Fails with a FileError naming the file and the system's reason.
    public static func write(_ data: Data, to path: String) throws {
        try PosixFile.writeAtomically(data, to: path)
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}
