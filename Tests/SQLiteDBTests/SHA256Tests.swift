import Digest
import Testing

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(input: String, hex: String) {
        #expect(SHA256.hex(SHA256.hash(input)) == hex)
    }

    @Test func incrementalEqualsOneShot() {
        let text = String(repeating: "ＮＹ tts-archive 😀 ", count: 97)
        var h = SHA256()
        for chunk in text.split(separator: " ", omittingEmptySubsequences: false) {
            h.update(String(chunk))
            h.update(" ".utf8)
        }
        var whole = SHA256()
        whole.update(text + " ")
        #expect(h.finalize() == whole.finalize())
        // A million 'a': exercises many full blocks through the contiguous fast path.
        #expect(SHA256.hex(SHA256.hash(String(repeating: "a", count: 1_000_000)))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func oneShotMatchesStreamingAtEveryPaddingBoundary() {
        for length in 0...200 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var h = SHA256()
            h.update(bytes)
            let streamed = h.finalize()
            let words = bytes.withUnsafeBytes { SHA256.oneShot($0) }
            var fromWords: [UInt8] = []
            for w in [words.0, words.1, words.2, words.3] {
                for shift in stride(from: 56, through: 0, by: -8) { fromWords.append(UInt8(truncatingIfNeeded: w >> UInt64(shift))) }
            }
            #expect(fromWords == streamed, "length \(length)")
        }
    }
}
