extension DiffRequest {
    /// The arguments after `diff`, read without argument-parser, or nil to let argument-parser read them.
    ///
    /// Why: argument-parser finds a command's options by reflection, and its first dynamic casts scan every
    /// protocol conformance of this large binary: about 7 ms of a 20 ms budget for a nightly diff. This reads
    /// only the plain form of a diff between two snapshots (the options below, `--name value` or
    /// `--name=value`, each single option and flag at most once, at most two sides, neither `live`) and
    /// answers nil for anything else: help, `--`, service options, a value that looks like an option, a
    /// command line that fails validation. argument-parser then reads it and reports any error as always.
    /// DiffQuickParseTests checks that both parsers agree wherever this one answers.
    static func quick<C: Collection<String>>(_ arguments: C) -> DiffRequest? {
        var request = DiffRequest()
        var seen: Set<String> = []
        var positional: [String] = []
        var index = arguments.startIndex
        while index != arguments.endIndex {
            let argument = arguments[index]
            arguments.formIndex(after: &index)
            guard argument.hasPrefix("-") else {
                guard argument != "live", argument != "help", positional.count < 2 else { return nil }
                positional.append(argument)
                continue
            }
            let name: Substring, inlineValue: String?
            if let equals = argument.firstIndex(of: "=") {
                name = argument[..<equals]
                inlineValue = String(argument[argument.index(after: equals)...])
            } else {
                name = argument[...]
                inlineValue = nil
            }
            func value() -> String? {
                // argument-parser reads `--name=` as `--name` followed by a separate value.
                if let inlineValue { return inlineValue.isEmpty ? nil : inlineValue }
                guard index != arguments.endIndex, !arguments[index].hasPrefix("-") else { return nil }
                defer { arguments.formIndex(after: &index) }
                return arguments[index]
            }
            switch name {
            case "--model", "--language":
                guard let value = value() else { return nil }
                if name == "--model" { request.models.append(value) } else { request.languages.append(value) }
            case "--archive", "--from-at", "--to-at", "--match-by":
                guard seen.insert(String(name)).inserted, let value = value() else { return nil }
                switch name {
                case "--archive": request.archive = value
                case "--from-at": request.fromAt = value
                case "--to-at": request.toAt = value
                default: request.matchBy = value
                }
            case "--stat", "--name-only", "--json":
                guard inlineValue == nil, seen.insert(String(name)).inserted else { return nil }
                switch name {
                case "--stat": request.stat = true
                case "--name-only": request.nameOnly = true
                default: request.json = true
                }
            default:
                return nil
            }
        }
        request.from = positional.first
        request.to = positional.count > 1 ? positional[1] : nil
        return (try? request.validate()) == nil ? nil : request
    }
}
