import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TTSAPI
@testable import TTSEmulator

/// A started emulator on 127.0.0.1:0 plus a tiny HTTP helper over AsyncHTTPClient.
struct Harness {
    let server: EmulatorServer
    let url: URL

    /// Runs `body` against a fresh emulator and always stops it.
    static func with<T>(_ configuration: EmulatorConfiguration = EmulatorConfiguration(),
                        _ body: (Harness) async throws -> T) async throws -> T {
        let server = EmulatorServer(configuration: configuration)
        let url = try await server.start()
        let h = Harness(server: server, url: url)
        do {
            let result = try await body(h)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
        var errorMessage: String? { json["error"] as? String }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(T.self, from: Data(body)) }
    }

    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, json: String? = nil, bytes: [UInt8]? = nil,
              headers: [(String, String)] = [], auth: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: url.absoluteString + path)
        request.method = method
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        if let auth { request.headers.add(name: "Authorization", value: auth) }
        if let payload = bytes ?? json.map({ Array($0.utf8) }) {
            if !request.headers.contains(name: "Content-Type") {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(bytes: payload))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers,
                      body: body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? [])
    }

    /// Creates a model through the API and returns its id.
    func createModel(name: String = "Test", language: String? = nil, auth: String? = nil) async throws -> String {
        var body = #"{"name":\#(Harness.quote(name))"#
        if let language { body += #","language":\#(Harness.quote(language))"# }
        body += "}"
        let a = try await send(.POST, "/v1/customizations", json: body, auth: auth)
        guard a.status == 201, let id = a.json["customization_id"] as? String else {
            throw EmulatorConfigurationError("create failed: \(a.status) \(a.text)")
        }
        return id
    }

    static func quote(_ s: String) -> String {
        String(decoding: try! JSONEncoder().encode(s), as: UTF8.self)
    }

    static func wordsBody(_ entries: [WordEntry]) -> String {
        String(decoding: try! JSONEncoder().encode(WordList(words: entries)), as: UTF8.self)
    }

    static func basic(_ key: String) -> String { "Basic " + Data("apikey:\(key)".utf8).base64EncodedString() }
}

extension ServiceInstance {
    /// get-model's answer as the client receives it: its pieces joined.
    func encodedModelBytes(id: String) throws -> [UInt8] {
        try encodedModel(id: id).flatMap { Array(buffer: $0) }
    }
}
