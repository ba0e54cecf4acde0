import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file-system failure said the way a user can act on it: the file, what was being done, and
/// the system's reason ("No space left on device"), never a Cocoa error code.
public struct FileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let action: String
    public let reason: String

    public init(path: String, action: String, errno code: Int32) {
        self.path = path
        self.action = action
        self.reason = String(cString: strerror(code))
    }

    public init(path: String, action: String, reason: String) {
        self.path = path; self.action = action; self.reason = reason
    }

    public var description: String { "\(path): cannot \(action): \(reason)" }

    /// Any error as text a user can act on, naming `path` when the error itself does not.
    public static func describe(_ error: Error, path: String) -> String {
        switch error {
        case let e as FileError: return e.description
        case let e as InputError: return e.description
        case let e as StoreError: return e.description
        case let e as DatabaseError: return StoreError(database: path, e).description
        case let e as CocoaError:
            if let posix = e.underlying as? POSIXError { return "\(path): \(String(cString: strerror(posix.code.rawValue)))" }
            return "\(path): \(e.code == .fileWriteOutOfSpace ? "no space left on device" : e.code == .fileNoSuchFile || e.code == .fileReadNoSuchFile ? "no such file or folder" : e.code == .fileWriteNoPermission || e.code == .fileReadNoPermission ? "permission denied" : "file system error \(e.code.rawValue)")"
        case let e as POSIXError: return "\(path): \(String(cString: strerror(e.code.rawValue)))"
        default: return "\(path): \(error)"
        }
    }
}

extension StoreError {
    /// A SQLite failure with the store's file named and the reason in words ("disk is full"),
    /// rather than a bare "SQLite error 13".
    public init(database path: String, _ error: DatabaseError) {
        let reason: String
        switch error.resultCode {
        case .SQLITE_FULL: reason = "the disk is full"
        case .SQLITE_CANTOPEN: reason = "cannot open the file (does its folder exist, is it writable?)"
        case .SQLITE_READONLY: reason = "the file or its folder is read-only"
        case .SQLITE_PERM, .SQLITE_AUTH: reason = "permission denied"
        case .SQLITE_BUSY, .SQLITE_LOCKED: reason = "locked by another process (another kehoach batch or query?)"
        case .SQLITE_NOTADB: reason = "not a SQLite database"
        case .SQLITE_CORRUPT: reason = "the database file is damaged"
        case .SQLITE_IOERR: reason = "input/output error"
        default: reason = error.message ?? "\(error.resultCode)"
        }
        self.init("\(path): store error: \(reason)")
    }
}

/// Non-UTF-8 bytes of a file name as \xNN, the rest as it is, so that messages can name the file.
public func escapedFileName<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    var out = ""
    var pending: [UInt8] = []
    func flush() {
        var rest = pending[...]
        while !rest.isEmpty {
            // Take the longest valid UTF-8 prefix, escape one byte, go on.
            var end = rest.endIndex
            while end > rest.startIndex, String(validatingUTF8Bytes: Array(rest[rest.startIndex..<end])) == nil { end -= 1 }
            if end > rest.startIndex {
                out += String(decoding: rest[rest.startIndex..<end], as: UTF8.self)
                rest = rest[end...]
            } else {
                out += String(format: "\\x%02X", rest.first!)
                rest = rest.dropFirst()
            }
        }
        pending.removeAll()
    }
    for b in bytes { pending.append(b) }
    flush()
    return out
}

extension String {
    /// Nil unless the bytes are well-formed UTF-8.
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        guard let s = String(bytes: bytes, encoding: .utf8), Array(s.utf8) == bytes else { return nil }
        self = s
    }
}

/// Writes files with POSIX calls so that a failure carries its errno (and thus a reason a user
/// understands) and the file it was about.
enum PosixFile {
    /// A temporary file beside `path`, then rename: readers never see a half-written file.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try makeDirectories(dir) }
        let name = (path as NSString).lastPathComponent
        let tmp = (dir.isEmpty ? "" : dir + "/") + ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(path: path, action: "write", errno: errno) }
        var failure: Int32 = 0
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno; return
                }
                offset += n
            }
        }
        if close(fd) != 0, failure == 0 { failure = errno }
        if failure == 0, rename(tmp, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(tmp)
            throw FileError(path: path, action: "write", errno: failure)
        }
    }

    /// `mkdir -p`, each failure naming the folder that could not be made.
    static func makeDirectories(_ path: String) throws {
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw FileError(path: path, action: "create folder", reason: "a file of that name is in the way")
            }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0, errno != EEXIST {
            throw FileError(path: path, action: "create folder", errno: errno)
        }
    }
}

/// What `kehoach batch` may do inside its output folder, and the lock that gives one run at a
/// time the folder.
public enum OutputFolder {
    /// The lock file's name in OUT (hidden, so never an input nor an output).
    public static let lockName = ".kehoach-batch.lock"

    /// A held lock; released when closed or when the process dies (flock), so a killed run never
    /// leaves a lock that blocks the next one.
    public final class Lock: @unchecked Sendable {
        private var fd: Int32
        let path: String
        init(fd: Int32, path: String) { self.fd = fd; self.path = path }
        /// Removes the file while still holding it, so that OUT is left as a clean run leaves it.
        public func release() {
            guard fd >= 0 else { return }
            unlink(path)
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
        deinit { release() }
    }

    /// Takes OUT's lock or says who holds it. The file holds the holder's process id for that message.
    public static func lock(_ outDir: String) throws -> Lock {
        let path = (outDir as NSString).appendingPathComponent(lockName)
        // A run releasing the lock unlinks the file: a lock taken on the unlinked file is no lock,
        // so take it again on the file now at the path.
        for _ in 0..<100 {
            let fd = try lockOnce(path: path, outDir: outDir)
            var held = stat(), current = stat()
            if fstat(fd, &held) == 0, stat(path, &current) == 0, held.st_ino == current.st_ino, held.st_dev == current.st_dev {
                let pid = Data("\(getpid())\n".utf8)
                ftruncate(fd, 0)
                _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
                return Lock(fd: fd, path: path)
            }
            close(fd)
        }
        throw FileError(path: path, action: "lock", reason: "the lock file keeps changing")
    }

    private static func lockOnce(path: String, outDir: String) throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw FileError(path: path, action: "create the lock file", errno: errno) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, 31, 0)
            close(fd)
            guard code == EWOULDBLOCK else { throw FileError(path: path, action: "lock", errno: code) }
            let holder = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
            throw StoreError("\(outDir): another kehoach batch\(holder.isEmpty ? "" : " (process \(holder))") is writing into this output folder; wait for it to finish, or give another --out (lock: \(path))")
        }
        // The lock is ours: any process id in the file is that of a run that died.
        return fd
    }

    /// `OUT/rel` when `rel` is a relative path that stays inside OUT (no "..", not absolute, no
    /// empty or hidden part); nil otherwise. Store rows can be copied or edited, so every
    /// recorded output path passes here before it is read, written or deleted.
    public static func confined(_ rel: String, in outDir: String) -> String? {
        guard !rel.isEmpty, !rel.hasPrefix("/"), !rel.contains("\u{0}") else { return nil }
        let parts = rel.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.hasPrefix(".") }) else { return nil }
        return (outDir as NSString).appendingPathComponent(rel)
    }

    /// The first folder between OUT and `rel`'s file that is a symbolic link (writing there would
    /// write outside OUT), or nil.
    public static func linkedFolder(_ rel: String, in outDir: String) -> String? {
        var path = outDir
        for part in rel.split(separator: "/").dropLast() {
            path = (path as NSString).appendingPathComponent(String(part))
            var st = stat()
            if lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK { return path }
        }
        return nil
    }

    /// Removes `.NAME.tmp-PID-N` files that runs killed mid-write left in OUT (not those of live
    /// processes); symbolic links are not followed. Returns the paths removed.
    @discardableResult
    public static func removeStaleTemporaries(_ outDir: String) -> [String] {
        var removed: [String] = []
        func visit(_ dir: String, depth: Int) {
            guard depth < 64, let handle = opendir(dir) else { return }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> [UInt8] in
                    Array(raw.prefix(while: { $0 != 0 }))
                }
                if name == [0x2E] || name == [0x2E, 0x2E] { continue }
                guard let text = String(validatingUTF8Bytes: name) else { continue }
                let path = dir + "/" + text
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: visit(path, depth: depth + 1)
                case S_IFREG:
                    if let pid = temporaryOwner(text), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH, unlink(path) == 0 {
                        removed.append(path)
                    }
                default: break
                }
            }
        }
        visit(outDir, depth: 0)
        return removed.sorted()
    }

    /// The process id in ".NAME.tmp-PID-N", nil for any other name.
    static func temporaryOwner(_ name: String) -> pid_t? {
        guard name.hasPrefix("."), let r = name.range(of: ".tmp-", options: .backwards) else { return nil }
        let parts = name[r.upperBound...].split(separator: "-")
        guard parts.count == 2, let pid = pid_t(parts[0]), UInt32(parts[1]) != nil, pid > 0 else { return nil }
        return pid
    }
}
