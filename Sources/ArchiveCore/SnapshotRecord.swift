/// One complete snapshot as listed by `tts-archive snapshots`.
public struct SnapshotRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var sourceKind: String
    public var source: String
    public var scope: String
    public var startedAt: String
    public var finishedAt: String
    public var note: String?
    public var tags: [String]
    public var models: Int
    public var words: Int
    public var prompts: Int
    public var modelsAdded: Int
    public var modelsRemoved: Int
    public var modelsChanged: Int
    public var wordsAdded: Int
    public var wordsRemoved: Int
    public var wordsChanged: Int
    public var digest: String
}
