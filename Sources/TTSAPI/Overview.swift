// TTSAPI: the wire model of IBM Watson Text to Speech's customization API.
//
// What it is: the JSON shapes (`CustomModel`, `WordEntry`, `Prompt`, the service's error body), the service's
// documented limits (`ServiceLimits`), path encoding (`PathSegment`), byte order as the service sorts words
// (`ByteOrder`), and the byte-level JSON path that snapshot and restore use for large answers (`JSONScanner`,
// `FastDecoding`, `JSONWriter`, `PackedWords`: words as bytes in one buffer).
//
// What it must not know: HTTP, SQLite, the archive. It is shared by the client, the emulator and the core.
//
// Where to start reading: `CustomModel.swift`, then `FastDecoding.swift` for how a get-model answer is read.
// The facts behind it: ../shared/reference/watson-tts-api.md.
