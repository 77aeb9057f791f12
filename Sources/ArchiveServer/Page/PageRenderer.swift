import Foundation
import Mustache

/// The page's templates (`Page/Templates/*.mustache`, embedded in the binary) and what every page shares: the
/// navigation, who is looking, the title. Mustache's `{{name}}` HTML-escapes every value (`<`, `>`, `&`, `"`,
/// `'`); the templates use the unescaped `{{{...}}}` only for the chart, which ``PageChart`` draws from numbers
/// and escaped text (a test keeps it that way).
struct PageRenderer: Sendable {
    let library: MustacheLibrary

    /// Template name → text, as embedded.
    static let templates: [String: [UInt8]] = [
        "head": PackageResources.head_mustache, "foot": PackageResources.foot_mustache,
        "timeline": PackageResources.timeline_mustache, "snapshot": PackageResources.snapshot_mustache,
        "diff": PackageResources.diff_mustache, "words": PackageResources.words_mustache,
        "operations": PackageResources.operations_mustache, "login": PackageResources.login_mustache,
        "problem": PackageResources.problem_mustache, "schedules": PackageResources.schedules_mustache,
    ]

    init() throws {
        var library = MustacheLibrary()
        for (name, bytes) in Self.templates {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    func render(_ template: String, _ view: Any) -> String {
        library.render(view, withTemplate: template) ?? ""
    }

    /// One entry of the navigation.
    struct NavItem: Sendable {
        var href: String
        var label: String
        var current: Bool
    }

    /// The pages, in the navigation's order.
    static func nav(current: String) -> [NavItem] {
        [("/", "Timeline"), ("/diff", "Diff"), ("/words", "Word history"), ("/operations", "Operations"), ("/schedules", "Schedules")]
            .map { NavItem(href: $0.0, label: $0.1, current: $0.0 == current) }
    }

    /// Who is looking: what the header and the forms show.
    struct Auth: Sendable {
        /// A session that gave the token (shows Log out).
        var loggedIn: Bool
        /// The server has a token and this viewer did not give it (shows Log in).
        var canLogIn: Bool
        /// May start operations.
        var canWrite: Bool
        /// The session's CSRF token, for forms that change something.
        var csrf: String
        /// Where Log in comes back to (percent-encoded).
        var next: String
    }

    /// What every page's layout reads; `body` is the page's own view.
    struct Layout<Body>: @unchecked Sendable {
        var title: String
        var nav: [NavItem]
        var auth: Auth
        var version: String
        var flash: String?
        var problem: String?
        /// Reload every few seconds without JavaScript (running operations).
        var refresh: Bool
        var body: Body
    }
}

/// Escaping for text the server writes outside templates (the chart's labels), as Mustache escapes.
enum HTMLText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}

/// Query strings and form bodies (`application/x-www-form-urlencoded`): `+` is a space, then percent-decoding.
enum FormFields {
    static func parse(_ text: String?) -> [(String, String)] {
        guard let text, !text.isEmpty else { return [] }
        return text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            guard let name = parts.first else { return nil }
            return (decode(name), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The first non-empty value of `name`.
    static func value(_ fields: [(String, String)], _ name: String) -> String? {
        fields.first { $0.0 == name && !$0.1.isEmpty }?.1
    }

    /// `a=1&b=2` from pairs (nil values left out), percent-encoded for a URL's query.
    static func query(_ items: [(String, String?)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return items.compactMap { name, value in
            value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
        }.joined(separator: "&")
    }
}
