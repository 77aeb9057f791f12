/// A word as the service keys it: by its exact UTF-8 bytes. Swift's `String` equality and hashing fold
/// canonically equivalent spellings (precomposed `é` and `e` + combining accent) into one key; the service
/// stores and lists them as two entries, so the emulator must too.
struct WordKey: Hashable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (a: WordKey, b: WordKey) -> Bool { a.text.utf8.elementsEqual(b.text.utf8) }

    func hash(into hasher: inout Hasher) {
        for byte in text.utf8 { hasher.combine(byte) }
    }
}
