import Foundation
import TTSAPI

/// A word as the service keys it: by its exact UTF-8 bytes. Swift's `String` equality and hashing fold
/// canonically equivalent spellings (precomposed `é` and `e` + combining accent) into one key; the service
/// stores and lists them as two entries, so the emulator must too.
struct WordKey: Hashable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (a: WordKey, b: WordKey) -> Bool { ByteOrder.equal(a.text, b.text) }

    // Whole buffers, not byte by byte: hashing was the emulator's largest cost when adding words.
    func hash(into hasher: inout Hasher) {
        var t = text
        t.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
