import TTSAPI

/// A page of snapshots as JSON, written directly: byte for byte what the generated encoding prints with the
/// server's options (sorted keys, absent optionals left out, slashes unescaped; a test holds the two equal).
/// `JSONEncoder` builds a tree of generic values for every member and sorts each object's keys: for a page of 50
/// snapshots that was most of the CPU of a `GET /v1/snapshots` (docs/performance.md). Keys below are in sorted
/// order.
extension Components.Schemas.SnapshotList {
    func jsonBytes() -> [UInt8] {
        var w = JSONWriter(capacity: 64 + value.count * 480)
        w.raw("{")
        if let nextLink {
            w.field("nextLink", nextLink, first: true)
            w.raw(",")
        }
        w.raw("\"value\":")
        w.array(value) { w, snapshot in snapshot.write(to: &w) }
        w.raw("}")
        return w.bytes
    }
}

extension Components.Schemas.Snapshot {
    /// Members before `id`, the first required one, end with their comma; those after it start with theirs.
    func write(to w: inout JSONWriter) {
        w.raw("{")
        if let changes {
            w.raw("\"changes\":")
            changes.write(to: &w)
            w.raw(",")
        }
        if let digest {
            w.raw("\"digest\":")
            w.string(digest)
            w.raw(",")
        }
        if let finishedAt {
            w.raw("\"finishedAt\":")
            w.string(finishedAt)
            w.raw(",")
        }
        w.raw("\"id\":")
        w.number(Int(id))
        w.raw(",\"models\":")
        w.number(models)
        if let note { w.field("note", note) }
        w.raw(",\"prompts\":")
        w.number(prompts)
        if let scope { w.field("scope", scope) }
        w.field("source", source)
        if let sourceUrl { w.field("sourceUrl", sourceUrl) }
        w.field("startedAt", startedAt)
        w.raw(",\"tags\":")
        w.array(tags) { w, tag in w.string(tag) }
        w.field("url", url)
        w.raw(",\"words\":")
        w.number(words)
        w.raw("}")
    }
}

extension Components.Schemas.Changes {
    func write(to w: inout JSONWriter) {
        w.raw("{\"modelsAdded\":")
        w.number(modelsAdded)
        w.raw(",\"modelsChanged\":")
        w.number(modelsChanged)
        w.raw(",\"modelsRemoved\":")
        w.number(modelsRemoved)
        w.raw(",\"wordsAdded\":")
        w.number(wordsAdded)
        w.raw(",\"wordsChanged\":")
        w.number(wordsChanged)
        w.raw(",\"wordsRemoved\":")
        w.number(wordsRemoved)
        w.raw("}")
    }
}
