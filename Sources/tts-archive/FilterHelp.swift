import ArgumentParser

/// The help of `--model` and `--language`, the same in every command that takes them (``ModelFilter``).
enum FilterHelp {
    static let model = ArgumentHelp(
        "Only this model (customization id or name); repeatable. Each value must match a model: one that matches "
            + "none is an error (exit 2) that names the models there are.",
        valueName: "model")
    static let language = ArgumentHelp(
        "Only models of this language, e.g. en-US; repeatable. Each value must match a model, as for --model.",
        valueName: "language")
}
