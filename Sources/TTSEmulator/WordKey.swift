import Foundation
import TTSAPI

/// A word as the service keys it: by its exact UTF-8 bytes. Swift's `String` equality folds canonically
/// equivalent spellings (precomposed `é` and `e` + combining accent) into one; the service stores and lists
/// them as two entries, so the emulator must too. `<` is the service's listing order (UTF-8 byte order).
struct WordKey: Comparable {
    let text: String

    init(_ text: String) { self.text = text }

    @inline(__always)
    static func == (a: WordKey, b: WordKey) -> Bool { ByteOrder.equal(a.text, b.text) }

    @inline(__always)
    static func < (a: WordKey, b: WordKey) -> Bool { ByteOrder.compare(a.text, b.text) < 0 }
}

/// One entry of a model or of an add-words request.
struct StoredWord {
    let key: WordKey
    var value: Translation

    init(_ e: WordEntry) {
        key = WordKey(e.word)
        value = Translation(translation: e.translation, partOfSpeech: e.partOfSpeech)
    }

    var entry: WordEntry { WordEntry(word: key.text, translation: value.translation, partOfSpeech: value.partOfSpeech) }
}
