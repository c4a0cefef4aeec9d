import Foundation
import Testing
@testable import BerthaText

@Suite("Glob patterns and path filters")
struct GlobPatternTests {
    @Test("matches *, **, ?, {a,b} and [..] as a shell does", arguments: [
        ("*.md", "docs/a.md", true),
        ("*.md", "a.txt", false),
        ("docs/*.md", "docs/a.md", true),
        ("docs/*.md", "docs/sub/a.md", false),
        ("docs/**/*.md", "docs/a.md", true),
        ("docs/**/*.md", "docs/x/y/a.md", true),
        ("**/*.txt", "a/b/c.txt", true),
        ("**", "anything/at/all", true),
        ("file?.txt", "file1.txt", true),
        ("file?.txt", "file10.txt", false),
        ("*.{md,txt}", "notes.txt", true),
        ("*.{md,txt}", "notes.pdf", false),
        ("{docs,notes}/**", "notes/x/y.md", true),
        ("report-[0-9].csv", "report-7.csv", true),
        ("report-[!0-9].csv", "report-7.csv", false),
        ("/top.md", "top.md", true),
    ])
    func globs(pattern: String, path: String, expected: Bool) throws {
        #expect(try GlobPattern(pattern).matches(path) == expected)
    }

    @Test("rejects unbalanced braces with the pattern in the error")
    func badBraces() {
        #expect(throws: TextError.invalidGlob(pattern: "*.{md", reason: "unmatched {")) { try GlobPattern("*.{md") }
    }

    @Test("include and exclude combine; hidden components are detected")
    func filter() throws {
        let filter = try PathFilter(include: ["**/*.md", "*.txt"], exclude: ["drafts/**"])
        #expect(filter.accepts("a/b.md"))
        #expect(filter.accepts("x.txt"))
        #expect(!filter.accepts("drafts/b.md"))
        #expect(!filter.accepts("a/b.html"))
        #expect(PathFilter.isHidden("a/.git/config"))
        #expect(PathFilter.isHidden(".env"))
        #expect(!PathFilter.isHidden("a/b.md"))
    }
}
