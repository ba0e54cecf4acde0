import Foundation

/// Why a file cannot be processed: said so that an archivist can find the file and the place.
public struct InputError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case missing, unreadable, notRegular = "not-regular", empty, tooLarge = "too-large", binary, invalidUTF8 = "invalid-utf8", utf16 = "utf-16"
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

    public static func read(path: String, maxBytes: Int = defaultMaxBytes) throws -> String {
        try decode(readData(path: path, maxBytes: maxBytes), path: path, maxBytes: maxBytes)
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

    /// Validates and decodes bytes as UTF-8 text: not empty, not binary, well-formed, NFC on return.
    /// A UTF-8 byte order mark is dropped.
    public static func decode(_ data: Data, path: String, maxBytes: Int = defaultMaxBytes) throws -> String {
        if data.count > maxBytes {
            throw InputError(path: path, kind: .tooLarge,
                             detail: "input is \(formatBytes(data.count)), over the \(formatBytes(maxBytes)) limit for one document",
                             byteOffset: nil)
        }
        return try data.withUnsafeBytes { raw -> String in
            var bytes = raw.bindMemory(to: UInt8.self)
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                bytes = UnsafeBufferPointer(rebasing: bytes[3...])
            }
            if let form = utf16Form(bytes) {
                throw InputError(path: path, kind: .utf16,
                                 detail: "UTF-16 text (\(form)), not UTF-8; convert the file to UTF-8 first (iconv -f UTF-16 -t UTF-8)",
                                 byteOffset: nil)
            }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                throw InputError(path: path, kind: .empty,
                                 detail: bytes.isEmpty ? "file is empty" : "file holds only white space", byteOffset: nil)
            }
            if let offset = firstBinaryByte(bytes) {
                throw InputError(path: path, kind: .binary,
                                 detail: String(format: "binary data, not text (control byte 0x%02X)", bytes[offset]),
                                 byteOffset: offset)
            }
            if let offset = firstInvalidUTF8(bytes) {
                throw InputError(path: path, kind: .invalidUTF8, detail: String(format: "invalid UTF-8 (0x%02X)", bytes[offset]),
                                 byteOffset: offset, advice: "convert the file to UTF-8 first")
            }
            return Normalize.nfc(String(decoding: bytes, as: UTF8.self))
        }
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
