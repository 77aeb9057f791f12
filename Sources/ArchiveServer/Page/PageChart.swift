import Foundation

/// The timeline's chart: words added, changed (above the line) and removed (below) per snapshot, oldest left, as
/// an SVG the server draws, so a bulk import or an accidental deletion stands out without a script. Made of
/// numbers and ``HTMLText``-escaped labels only.
enum PageChart {
    struct Night: Sendable {
        var snapshot: Int64
        var finished: String
        var added: Int
        var removed: Int
        var changed: Int
    }

    static let width = 720.0, height = 180.0, margin = 28.0

    static func svg(_ nights: [Night], title: String, id: String) -> String {
        let top = max(1, nights.map { $0.added + $0.changed }.max() ?? 0)
        let bottom = max(1, nights.map(\.removed).max() ?? 0)
        let plot = height - 2 * margin
        // The zero line sits where the larger side needs it.
        let scale = plot / Double(top + bottom)
        let zero = margin + Double(top) * scale
        let slot = (width - 2 * margin) / Double(max(nights.count, 1))
        let bar = max(2, min(24, slot * 0.7))
        func f(_ x: Double) -> String { String(format: "%.1f", x) }

        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
            aria-labelledby="\(id)-t \(id)-d">
            <title id="\(id)-t">\(HTMLText.escape(title))</title>
            <desc id="\(id)-d">\(HTMLText.escape(description(nights)))</desc>
            <line x1="\(f(margin))" y1="\(f(zero))" x2="\(f(width - margin))" y2="\(f(zero))" class="axis"/>
            <text x="4" y="\(f(margin - 8))" class="label">+\(top)</text>
            <text x="4" y="\(f(height - 6))" class="label">-\(bottom)</text>

            """
        for (i, n) in nights.enumerated() {
            let x = margin + Double(i) * slot + (slot - bar) / 2
            let label = "snapshot \(n.snapshot) (\(n.finished)): +\(n.added) added, ~\(n.changed) changed, -\(n.removed) removed"
            out += "<g><title>\(HTMLText.escape(label))</title>"
            let addedHeight = Double(n.added) * scale, changedHeight = Double(n.changed) * scale
            if n.added > 0 {
                out += "<rect class=\"added\" x=\"\(f(x))\" y=\"\(f(zero - addedHeight))\" width=\"\(f(bar))\" height=\"\(f(addedHeight))\"/>"
            }
            if n.changed > 0 {
                out += "<rect class=\"changed\" x=\"\(f(x))\" y=\"\(f(zero - addedHeight - changedHeight))\" width=\"\(f(bar))\" height=\"\(f(changedHeight))\"/>"
            }
            if n.removed > 0 {
                out += "<rect class=\"removed\" x=\"\(f(x))\" y=\"\(f(zero))\" width=\"\(f(bar))\" height=\"\(f(Double(n.removed) * scale))\"/>"
            }
            // An unchanged night still shows where it is.
            out += "<rect class=\"night\" x=\"\(f(x))\" y=\"\(f(zero - 1))\" width=\"\(f(bar))\" height=\"2\"/></g>\n"
        }
        out += """
            <g class="legend"><rect class="added" x="\(f(width - 260))" y="6" width="10" height="10"/><text x="\(f(width - 246))" y="15" class="label">added</text>\
            <rect class="changed" x="\(f(width - 190))" y="6" width="10" height="10"/><text x="\(f(width - 176))" y="15" class="label">changed</text>\
            <rect class="removed" x="\(f(width - 110))" y="6" width="10" height="10"/><text x="\(f(width - 96))" y="15" class="label">removed</text></g>
            </svg>
            """
        return out
    }

    static func description(_ nights: [Night]) -> String {
        guard let first = nights.first, let last = nights.last else { return "No snapshots." }
        let added = nights.reduce(0) { $0 + $1.added }, removed = nights.reduce(0) { $0 + $1.removed }
        let changed = nights.reduce(0) { $0 + $1.changed }
        return "\(nights.count) snapshots from \(first.snapshot) to \(last.snapshot): \(added) words added, \(changed) changed, "
            + "\(removed) removed in all."
    }
}
