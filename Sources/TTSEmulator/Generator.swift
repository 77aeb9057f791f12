import Basics
import TTSAPI

/// `models=100,words=20000,seed=7`: how many models, how many entries in total (spread unevenly over the
/// models, at most 20,000 per model), and the seed. The same spec always yields the same models
/// (ids, names, words, timestamps), whatever instance they go into.
public struct GeneratorSpec: Sendable, Equatable, Codable {
    public var models: Int
    /// Total entries over all models.
    public var words: Int
    public var seed: UInt64
    /// Languages to draw from; the default mixes en-US (most), others and ja-JP.
    public var languages: [String]

    public static let defaultLanguages = ["en-US", "en-US", "en-US", "en-GB", "de-DE", "fr-FR", "es-ES",
                                          "ja-JP", "ja-JP", "pt-BR", "it-IT", "nl-NL"]

    public init(models: Int, words: Int, seed: UInt64 = 1, languages: [String] = GeneratorSpec.defaultLanguages) {
        self.models = models
        self.words = words
        self.seed = seed
        self.languages = languages
    }

    /// Parses `models=N,words=N,seed=N[,languages=en-US+ja-JP]`.
    public init(parsing text: String) throws {
        self.init(models: 1, words: 100)
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { throw EmulatorConfigurationError("invalid generator setting '\(part)'") }
            switch kv[0] {
            case "models": models = try Self.int(kv)
            case "words": words = try Self.int(kv)
            case "seed":
                guard let s = UInt64(kv[1]) else { throw EmulatorConfigurationError("invalid seed '\(kv[1])'") }
                seed = s
            case "languages": languages = kv[1].split(separator: "+").map(String.init)
            default:
                throw EmulatorConfigurationError("unknown generator setting '\(kv[0])': use models, words, seed, languages")
            }
        }
        guard models >= 0, words >= 0, !languages.isEmpty else {
            throw EmulatorConfigurationError("generator counts must not be negative")
        }
        guard words <= models * ServiceLimits.maxWordsPerModel else {
            throw EmulatorConfigurationError("\(words) words do not fit in \(models) models of at most \(ServiceLimits.maxWordsPerModel)")
        }
    }

    private static func int(_ kv: [String]) throws -> Int {
        guard let v = Int(kv[1]) else { throw EmulatorConfigurationError("invalid number for \(kv[0]): '\(kv[1])'") }
        return v
    }
}

enum Generator {
    static let domains: [String: [String]] = [
        "en-US": ["Medical", "Legal", "Product names", "Finance", "Support desk", "Aviation"],
        "en-GB": ["Railway", "Banking", "Pharmacy"],
        "de-DE": ["Medizin", "Recht", "Produktnamen"],
        "fr-FR": ["Médical", "Juridique", "Produits"],
        "es-ES": ["Médico", "Jurídico", "Productos"],
        "ja-JP": ["医療", "製品名", "金融"],
        "pt-BR": ["Médico", "Produtos"],
        "it-IT": ["Medico", "Prodotti"],
        "nl-NL": ["Medisch", "Producten"],
    ]

    /// Per-model entry counts: random weights, scaled to the total, capped at the service limit.
    static func split(total: Int, models: Int, _ rng: inout SplitMix64) -> [Int] {
        guard models > 0 else { return [] }
        let weights = (0..<models).map { _ in 0.2 + rng.unit() * rng.unit() * 3 }
        let sum = weights.reduce(0, +)
        var counts = weights.map { min(ServiceLimits.maxWordsPerModel, Int(Double(total) * $0 / sum)) }
        var rest = total - counts.reduce(0, +)
        var i = 0
        while rest > 0 {
            if counts[i] < ServiceLimits.maxWordsPerModel { counts[i] += 1; rest -= 1 }
            i = (i + 1) % models
        }
        return counts
    }

    static func models(for spec: GeneratorSpec) -> [CustomModel] {
        var rng = SplitMix64(seed: spec.seed)
        let counts = split(total: spec.words, models: spec.models, &rng)
        // Fixed epoch (2024-01-01) so generated timestamps are part of the deterministic output.
        var stamp: Int64 = 1_704_067_200_000 + Int64(rng.below(86_400_000))
        var out: [CustomModel] = []
        var englishModels = 0
        for (index, count) in counts.enumerated() {
            let language = rng.pick(spec.languages)
            let domain = rng.pick(domains[language] ?? ["Custom"])
            let id = GUID.make(using: &rng)
            var existing = Set<String>()
            var words: [WordEntry] = []
            words.reserveCapacity(count)
            for _ in 0..<count {
                let e = LexiconFactory.entry(language: language, avoiding: existing, &rng)
                existing.insert(e.word)
                words.append(e)
            }
            var prompts: [Prompt] = []
            // Prompts exist only for en-US models (reference §6); the first and every fifth en-US model
            // get prompt metadata to archive.
            if language == "en-US" { englishModels += 1 }
            if language == "en-US", englishModels % 5 == 1 {
                prompts = (1...(1 + rng.below(3))).map { n in
                    Prompt(prompt: "Thank you for calling \(domain) support, prompt \(n).", promptID: "greeting_\(n)",
                           status: n == 3 ? "failed" : "available", error: n == 3 ? "Audio too short" : nil)
                }
            }
            let created = stamp
            stamp += Int64(1 + rng.below(3_600_000))
            let modified = created + Int64(rng.below(30 * 86_400_000))
            out.append(CustomModel(
                customizationID: id, name: "\(domain) custom model \(index + 1)", language: language,
                created: Timestamp.format(milliseconds: created), lastModified: Timestamp.format(milliseconds: modified),
                description: rng.chance(0.8) ? "\(domain) lexicon (\(language)), generated with seed \(spec.seed)" : nil,
                words: words, prompts: prompts))
        }
        return out
    }
}
