import Foundation

/// Where the rule files live. Rules are data that ships beside the binary and that a reviewer may
/// point elsewhere (`--rules DIR`) to try an edit before it lands.
public enum RulesLocator {
    public struct NotFound: Error, CustomStringConvertible {
        public let tried: [String]
        public var description: String {
            "no rules directory found (tried \(tried.joined(separator: ", "))); pass --rules DIR or set KEHOACH_RULES"
        }
    }

    /// `explicit`, else $KEHOACH_RULES, else ./rules, else the rules/ of the checkout the binary was built in.
    public static func directory(explicit: String? = nil) throws -> URL {
        var tried: [String] = []
        func ok(_ path: String) -> Bool {
            tried.append(path)
            return FileManager.default.fileExists(atPath: path + "/restore")
        }
        if let explicit {
            if ok(explicit) { return URL(fileURLWithPath: explicit) }
            throw NotFound(tried: tried)
        }
        // Set, it is what the user (or a cluster job) meant: one without rules is an error, not a
        // reason to take another folder's rules.
        if let env = ProcessInfo.processInfo.environment["KEHOACH_RULES"], !env.isEmpty {
            if ok(env) { return URL(fileURLWithPath: env) }
            throw NotFound(tried: tried)
        }
        if ok("rules") { return URL(fileURLWithPath: "rules") }
        // .build/<config>/kehoach → the package root is three levels up.
        // (the executable itself, also when it was found on $PATH or a worker runs it as ./kehoach)
        let executable = FileManager.default.fileExists(atPath: "/proc/self/exe") ? "/proc/self/exe" : CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            if ok(dir.appendingPathComponent("rules").path) { return dir.appendingPathComponent("rules") }
            dir = dir.deletingLastPathComponent()
        }
        // The source tree this file was compiled from: lets tests and `swift run` find the rules.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("rules")
        if ok(source.path) { return source }
        throw NotFound(tried: tried)
    }
}
