import TTSAPI

/// The customization API's routes, matched on the RAW request path: split on `/` first, then each
/// segment percent-decoded on its own, so a word like `TCP%2FIP` stays one segment (reference §1).
enum Route: Equatable {
    case models
    case model(String)
    case words(String)
    case word(String, String)
    case prompts(String)
    case prompt(String, String)
    case cp4dAuthorize

    /// Methods each route answers; anything else is 405.
    var allowedMethods: [String] {
        switch self {
        case .models: ["GET", "POST"]
        case .model: ["GET", "POST", "DELETE"]
        case .words: ["GET", "POST"]
        case .word: ["GET", "PUT", "DELETE"]
        case .prompts: ["GET"]
        case .prompt: ["GET", "POST", "DELETE"]
        case .cp4dAuthorize: ["POST"]
        }
    }

    enum Match: Equatable {
        case route(Route, apiPath: Substring)
        case notFound
        case badEncoding
    }

    /// `path` is the raw path without query. Any prefix before the first `/v1/` (e.g. `/instances/{id}`,
    /// what real service URLs carry) is ignored.
    static func match(rawPath path: Substring) -> Match {
        guard let v1 = path.range(of: "/v1/") else { return .notFound }
        let apiPath = path[v1.lowerBound...]
        let raw = path[v1.upperBound...].split(separator: "/", omittingEmptySubsequences: false)
        var seg: [String] = []
        seg.reserveCapacity(raw.count)
        for r in raw {
            guard let d = PathSegment.decode(r) else { return .badEncoding }
            seg.append(d)
        }
        if seg.contains(where: \.isEmpty) { return .notFound }
        let route: Route? = switch (seg.first ?? "", seg.count) {
        case ("customizations", 1): .models
        case ("customizations", 2): .model(seg[1])
        case ("customizations", 3) where seg[2] == "words": .words(seg[1])
        case ("customizations", 4) where seg[2] == "words": .word(seg[1], seg[3])
        case ("customizations", 3) where seg[2] == "prompts": .prompts(seg[1])
        case ("customizations", 4) where seg[2] == "prompts": .prompt(seg[1], seg[3])
        case ("authorize", 1): .cp4dAuthorize
        default: nil
        }
        return route.map { .route($0, apiPath: apiPath) } ?? .notFound
    }
}
