import NIOCore
import TTSAPI

/// Reads the add-words and update-model bodies with TTSAPI's hand-written decoders (JSONDecoder needs
/// ~100 ms for a 20,000-entry body, which would make the emulator the bottleneck of restore benchmarks)
/// and turns a refusal into the service's 400. They read the received buffer in place: copying it into an
/// array first (fresh memory for every body) was ~3% of the emulator's CPU in a restore.
enum WordListParser {
    static func parse(_ body: ByteBuffer) throws(ErrorAnswer) -> [WordEntry] {
        try decoded(body) { raw throws(JSONScanError) in try WordList.decodeFast(raw).words }
    }

    /// The update-model body `{"name"?, "description"?, "words"?}`, which may carry as many words as add-words.
    static func parseUpdate(_ body: ByteBuffer) throws(ErrorAnswer) -> UpdateModelRequest {
        try decoded(body) { raw throws(JSONScanError) in try UpdateModelRequest.decodeFast(raw) }
    }

    private static func decoded<T>(_ body: ByteBuffer,
                                   _ decode: (UnsafeRawBufferPointer) throws(JSONScanError) -> T) throws(ErrorAnswer) -> T {
        let result = body.withUnsafeReadableBytes { raw in Result { () throws(JSONScanError) -> T in try decode(raw) } }
        return try result.mapError(\.serviceError).get()
    }
}

extension JSONScanError {
    var serviceError: ErrorAnswer {
        switch self {
        case .syntax: .badRequest("The request body is not valid JSON")
        case .missing(let key): .badRequest("Required parameter '\(key)' is missing from the request body")
        case .wrongType(let key): .badRequest("Invalid value for '\(key)' in the request body")
        }
    }
}
