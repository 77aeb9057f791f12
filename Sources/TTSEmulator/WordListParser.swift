import TTSAPI

/// Reads the add-words and update-model bodies with TTSAPI's hand-written decoders (JSONDecoder needs
/// ~100 ms for a 20,000-entry body, which would make the emulator the bottleneck of restore benchmarks)
/// and turns a refusal into the service's 400.
enum WordListParser {
    static func parse(_ body: [UInt8]) throws(ServiceError) -> [WordEntry] {
        do {
            return try WordList.decodeFast(body).words
        } catch {
            throw error.serviceError
        }
    }

    /// The update-model body `{"name"?, "description"?, "words"?}`, which may carry as many words as add-words.
    static func parseUpdate(_ body: [UInt8]) throws(ServiceError) -> UpdateModelRequest {
        do {
            return try UpdateModelRequest.decodeFast(body)
        } catch {
            throw error.serviceError
        }
    }
}

extension JSONScanError {
    var serviceError: ServiceError {
        switch self {
        case .syntax: .badRequest("The request body is not valid JSON")
        case .missing(let key): .badRequest("Required parameter '\(key)' is missing from the request body")
        case .wrongType(let key): .badRequest("Invalid value for '\(key)' in the request body")
        }
    }
}
