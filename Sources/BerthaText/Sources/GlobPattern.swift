/// A shell-style glob over `/`-separated relative paths: `*` (within a component), `**` (any number of
/// components), `?`, `[abc]`/`[a-z]`/`[!x]`, and `{a,b}` alternatives (expanded up front).
///
/// A pattern without `/` matches the file name at any depth (as in `.gitignore`), so `*.md` selects
/// every Markdown file and `docs/**/*.md` only those under `docs/`.
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    public let description: String
    private let alternatives: [[Character]]
    private let matchesBasename: Bool

    public init(_ pattern: String) throws {
        guard !pattern.isEmpty else { throw TextError.invalidGlob(pattern: pattern, reason: "empty pattern") }
        description = pattern
        let expanded = try GlobPattern.expandBraces(Array(pattern), original: pattern)
        alternatives = expanded.map { alt in
            // A leading "/" anchors at the root the paths are relative to.
            alt.first == "/" ? Array(alt.dropFirst()) : alt
        }
        matchesBasename = !pattern.contains("/")
    }

    /// True when `path` (relative, `/`-separated) matches.
    public func matches(_ path: String) -> Bool {
        let subject: [Character]
        if matchesBasename, let slash = path.lastIndex(of: "/") {
            subject = Array(path[path.index(after: slash)...])
        } else {
            subject = Array(path)
        }
        return alternatives.contains { GlobPattern.match($0[...], subject[...]) }
    }

    private static func expandBraces(_ p: [Character], original: String) throws -> [[Character]] {
        guard let open = p.firstIndex(of: "{") else {
            if p.contains("}") { throw TextError.invalidGlob(pattern: original, reason: "unmatched }") }
            return [p]
        }
        var depth = 0
        var close: Int?
        var commas: [Int] = []
        for i in open..<p.count {
            switch p[i] {
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth == 0 { close = i }
            case "," where depth == 1: commas.append(i)
            default: break
            }
            if close != nil { break }
        }
        guard let close else { throw TextError.invalidGlob(pattern: original, reason: "unmatched {") }
        let prefix = Array(p[..<open]), suffix = Array(p[(close + 1)...])
        let bounds = [open] + commas + [close]
        var out: [[Character]] = []
        for j in 0..<(bounds.count - 1) {
            let option = Array(p[(bounds[j] + 1)..<bounds[j + 1]])
            out += try expandBraces(prefix + option + suffix, original: original)
        }
        return out
    }

    private static func match(_ p: ArraySlice<Character>, _ s: ArraySlice<Character>) -> Bool {
        guard let first = p.first else { return s.isEmpty }
        switch first {
        case "*":
            if p.dropFirst().first == "*" {
                var rest = p.dropFirst(2)
                // "**/" also matches zero directories.
                if rest.first == "/" {
                    rest = rest.dropFirst()
                    if match(rest, s) { return true }
                    var t = s
                    while let slash = t.firstIndex(of: "/") {
                        t = t[(slash + 1)...]
                        if match(rest, t) { return true }
                    }
                    return false
                }
                var t = s
                while true {
                    if match(rest, t) { return true }
                    guard !t.isEmpty else { return false }
                    t = t.dropFirst()
                }
            }
            let rest = p.dropFirst()
            var t = s
            while true {
                if match(rest, t) { return true }
                guard let c = t.first, c != "/" else { return false }
                t = t.dropFirst()
            }
        case "?":
            guard let c = s.first, c != "/" else { return false }
            return match(p.dropFirst(), s.dropFirst())
        case "[":
            guard let c = s.first, c != "/", let close = p.dropFirst(2).firstIndex(of: "]") else {
                return s.first == "[" && match(p.dropFirst(), s.dropFirst())
            }
            var set = p[(p.startIndex + 1)..<close]
            let negated = set.first == "!" || set.first == "^"
            if negated { set = set.dropFirst() }
            var hit = false
            var i = set.startIndex
            while i < set.endIndex {
                if i + 2 < set.endIndex, set[i + 1] == "-" {
                    if set[i] <= c && c <= set[i + 2] { hit = true }
                    i += 3
                } else {
                    if set[i] == c { hit = true }
                    i += 1
                }
            }
            return hit != negated && match(p[(close + 1)...], s.dropFirst())
        default:
            guard s.first == first else { return false }
            return match(p.dropFirst(), s.dropFirst())
        }
    }
}

/// Include and exclude globs together: a path passes when it matches some include (or there are none)
/// and no exclude.
public struct PathFilter: Sendable {
    public let include: [GlobPattern]
    public let exclude: [GlobPattern]

    public init(include: [String] = [], exclude: [String] = []) throws {
        self.include = try include.map(GlobPattern.init)
        self.exclude = try exclude.map(GlobPattern.init)
    }

    public func accepts(_ relativePath: String) -> Bool {
        (include.isEmpty || include.contains { $0.matches(relativePath) }) && !exclude.contains { $0.matches(relativePath) }
    }

    /// True when a path component starts with "." (hidden files and directories are never ingested).
    public static func isHidden(_ relativePath: String) -> Bool {
        relativePath.split(separator: "/").contains { $0.hasPrefix(".") && $0 != "." && $0 != ".." }
    }
}
