import TTSAPI

/// Which models a command covers (`--model`, `--language`). An empty filter means every model.
///
/// A model must match every kind given (one of the languages, and one of the ids or names); each value given
/// must select at least one model where the filter applies, or ``check(_:in:)`` refuses it: a typo in one of
/// two `--model` values is still a typo, and a filter that selects nothing would record, export, compare or
/// restore nothing while looking like success.
public struct ModelFilter: Sendable, Equatable {
    public var languages: [String]
    /// Customization ids or names.
    public var models: [String]

    public init(languages: [String] = [], models: [String] = []) {
        self.languages = languages
        self.models = models
    }

    public var isEmpty: Bool { languages.isEmpty && models.isEmpty }

    public func matches(_ m: CustomModel) -> Bool {
        (languages.isEmpty || languages.contains(m.language ?? ""))
            && (models.isEmpty || models.contains(m.customizationID) || models.contains(m.name ?? "\u{0}"))
    }

    /// Canonical text recorded as the source's scope.
    public var scope: String {
        var parts: [String] = []
        if !languages.isEmpty { parts.append("language=" + languages.sorted().joined(separator: ",")) }
        if !models.isEmpty { parts.append("model=" + models.sorted().joined(separator: ",")) }
        return parts.joined(separator: "&")
    }

    /// Throws unless each value of the filter selects at least one of `existing` (metadata is enough), the
    /// models where the filter applies; `place` says where they are ("on the service", "in snapshot 4"). The
    /// error names what exists there. An empty filter always passes.
    public func check(_ existing: [CustomModel], in place: String) throws(ModelFilterError) {
        if isEmpty { return }
        let selected = existing.filter(matches)
        func named(_ value: String, _ m: CustomModel) -> Bool { m.customizationID == value || m.name == value }
        let missingModels = models.filter { v in !selected.contains { named(v, $0) } }
        let missingLanguages = languages.filter { l in !selected.contains { $0.language == l } }
        // The kind that exists nowhere is the typo; a value that exists only outside the other kind's selection
        // is said as such.
        let unknownModels = missingModels.filter { v in !existing.contains { named(v, $0) } }
        let unknownLanguages = missingLanguages.filter { l in !existing.contains { $0.language == l } }
        if !unknownModels.isEmpty {
            throw ModelFilterError(
                "no model named or with the id \(Self.list(unknownModels)) \(place) (\(Self.describeModels(existing)))")
        }
        if !unknownLanguages.isEmpty {
            throw ModelFilterError(
                "no model of language \(Self.list(unknownLanguages)) \(place) (\(Self.describeLanguages(existing)))")
        }
        if let v = missingModels.first {
            let theirs = Set(existing.filter { named(v, $0) }.map { $0.language ?? "no language" }).sorted()
            throw ModelFilterError("no model \(Self.list([v])) of language \(Self.list(languages, quoted: false)) \(place) "
                                   + "(\(Self.list([v])) is \(Self.list(theirs, quoted: false)))")
        }
        if let l = missingLanguages.first {
            let theirs = Set(existing.filter { m in models.contains { named($0, m) } }.map { $0.language ?? "no language" }).sorted()
            throw ModelFilterError("no model of language \(l) among \(Self.list(models)) \(place) "
                                   + "(they are \(Self.list(theirs, quoted: false)))")
        }
    }

    /// Up to `shown` items, then "and N more".
    static func list(_ items: [String], quoted: Bool = true, shown: Int = 5) -> String {
        let texts = items.prefix(shown).map { quoted ? "\"\($0)\"" : $0 }
        let more = items.count > shown ? ", and \(items.count - shown) more" : ""
        return texts.count <= 1 ? (texts.first ?? "") + more
            : texts.dropLast().joined(separator: ", ") + (more.isEmpty ? " or " + texts.last! : ", " + texts.last! + more)
    }

    /// "2 models: "A", "B"": a model on both sides of a diff counts once (a renamed one shows both names).
    static func describeModels(_ existing: [CustomModel]) -> String {
        if existing.isEmpty { return "there are no models" }
        let count = Set(existing.map(\.customizationID)).count
        let names = Set(existing.map { m in m.name.flatMap { $0.isEmpty ? nil : $0 } ?? m.customizationID })
            .sorted { ByteOrder.compare($0, $1) < 0 }
        return "\(count) model\(count == 1 ? "" : "s"): "
            + names.prefix(5).map { "\"\($0)\"" }.joined(separator: ", ") + (names.count > 5 ? ", and \(names.count - 5) more" : "")
    }

    static func describeLanguages(_ existing: [CustomModel]) -> String {
        if existing.isEmpty { return "there are no models" }
        var ids: [String: Set<String>] = [:]
        for m in existing { ids[m.language ?? "no language", default: []].insert(m.customizationID) }
        let counts = ids.mapValues(\.count)
        let sorted = counts.sorted { $0.key < $1.key }
        return "\(counts.count) language\(counts.count == 1 ? "" : "s"): "
            + sorted.prefix(5).map { "\($0.key) (\($0.value) model\($0.value == 1 ? "" : "s"))" }.joined(separator: ", ")
            + (sorted.count > 5 ? ", and \(sorted.count - 5) more" : "")
    }
}

/// A `--model` or `--language` value that selects no model; the message names what exists.
public struct ModelFilterError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
