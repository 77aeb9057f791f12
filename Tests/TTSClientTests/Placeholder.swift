import Testing

@Test func placeholderTTSClient() { #expect(Bool(true)) }
