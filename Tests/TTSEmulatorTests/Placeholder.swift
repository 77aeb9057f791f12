import Testing

@Test func placeholderTTSEmulator() { #expect(Bool(true)) }
