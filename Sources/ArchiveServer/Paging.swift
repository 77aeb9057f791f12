import Foundation

/// `top` and `skip` of a collection request, and the `nextLink` of its answer (Azure's paging shape).
struct Page: Sendable {
    static let defaultTop = 100
    static let maxTop = 1000
    static let maxSkip = 1_000_000_000

    var top: Int
    var skip: Int

    init(top: Int?, skip: Int?) throws(APIError) {
        let top = top ?? Self.defaultTop
        let skip = skip ?? 0
        guard (1...Self.maxTop).contains(top) else {
            throw .badRequest("top takes 1 to \(Self.maxTop) items per page, not \(top)", target: "top")
        }
        guard (0...Self.maxSkip).contains(skip) else {
            throw .badRequest("skip takes 0 to \(Self.maxSkip) items, not \(skip)", target: "skip")
        }
        self.top = top
        self.skip = skip
    }

    /// Ask the store for one more than a page: if it comes, there is a next page.
    var fetchLimit: Int { top + 1 }

    /// The page's items and its `nextLink` (`path` with `query` and the next skip), from `fetchLimit` rows.
    func cut<T>(_ rows: [T], path: String, query: [(String, String?)]) -> (items: [T], nextLink: String?) {
        guard rows.count > top else { return (rows, nil) }
        var items = query.compactMap { name, value in value.map { (name, $0) } }
        items.append(("top", String(top)))
        items.append(("skip", String(skip + top)))
        var components = URLComponents()
        components.queryItems = items.map { URLQueryItem(name: $0.0, value: $0.1) }
        let encoded = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        return (Array(rows.prefix(top)), "\(RequestInfo.baseURL)\(path)?\(encoded)")
    }

    /// An in-memory list's page.
    func cut<T>(all: [T], path: String, query: [(String, String?)]) -> (items: [T], nextLink: String?) {
        cut(Array(all.dropFirst(skip).prefix(fetchLimit)), path: path, query: query)
    }
}
