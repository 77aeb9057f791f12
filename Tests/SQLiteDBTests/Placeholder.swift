import Testing

@Test func placeholderSQLiteDB() { #expect(Bool(true)) }
