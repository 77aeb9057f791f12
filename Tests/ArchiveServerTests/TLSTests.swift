import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOSSL
import TestSupport
import Testing
import TTSEmulator
@testable import ArchiveServer

/// `--tls-cert`/`--tls-key`: HTTPS from the server itself, with a self-signed certificate made by `openssl` at
/// test time (no key is committed), and links that say `https`.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs /usr/bin/openssl"))
struct TLSTests {
    /// A self-signed certificate for 127.0.0.1 and its key, in `dir`.
    static func selfSigned(in dir: TempDir) throws -> (cert: String, key: String) {
        let cert = dir.path("server.crt"), key = dir.path("server.key")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        #expect(openssl.terminationStatus == 0)
        return (cert, key)
    }

    @Test func servesHTTPSWithHTTPSLinks() async throws {
        let dir = try TempDir()
        let (cert, key) = try Self.selfSigned(in: dir)
        let source = EmulatorServer()
        let sourceURL = try await source.start()
        _ = try source.generate(GeneratorSpec(models: 1, words: 5, seed: 1))
        let options = ServerOptions(archivePath: dir.path("archive.sqlite"), listen: "127.0.0.1:0",
                                    environment: ["TEXT_TO_SPEECH_URL": sourceURL.absoluteString, "TEXT_TO_SPEECH_AUTH_TYPE": "noAuth",
                                                  "IBM_CREDENTIALS_FILE": dir.path("none")],
                                    version: "test", tlsCertificate: cert, tlsKey: key)
        let server = try ArchiveHTTPServer(options, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        #expect(server.scheme == "https")
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            defer { continuation.finish() }
            try await server.run(handleSignals: false, onListening: { continuation.yield($0) })
        }
        var port = 0
        for await p in ports {
            port = p
            break
        }
        // Trusts exactly this certificate.
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(cert))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/v1/snapshots")
            request.method = .POST
            let response = try await http.execute(request, timeout: .seconds(30))
            #expect(response.status.code == 202)
            let id = try #require(response.headers.first(name: "Operation-Id"))
            #expect(response.headers.first(name: "Operation-Location") == "https://127.0.0.1:\(port)/v1/operations/\(id)")
            await server.center.wait(id)
            // Plain HTTP to the TLS port is not answered as HTTP.
            let plain = try? await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(10))
            #expect(plain?.status.code != 200)
        } catch {
            Issue.record(error)
        }
        try? await http.shutdown()
        task.cancel()
        _ = try? await task.value
        await source.stop()
    }

    @Test func startUpRefusesHalfOrBadTLSFiles() throws {
        let dir = try TempDir()
        let (cert, key) = try Self.selfSigned(in: dir)
        try "not a certificate\n".write(toFile: dir.path("junk.pem"), atomically: true, encoding: .utf8)
        let env = ["TEXT_TO_SPEECH_URL": "http://127.0.0.1:9", "TEXT_TO_SPEECH_AUTH_TYPE": "noAuth", "IBM_CREDENTIALS_FILE": dir.path("none")]
        func error(_ cert: String?, _ key: String?) -> String {
            do {
                _ = try ArchiveHTTPServer(ServerOptions(archivePath: dir.path("a.sqlite"), listen: "127.0.0.1:0", environment: env,
                                                        tlsCertificate: cert, tlsKey: key))
                return ""
            } catch { return "\(error)" }
        }
        #expect(error(cert, nil) == "--tls-cert needs --tls-key (the private key, PEM) too")
        #expect(error(nil, key) == "--tls-key needs --tls-cert (the certificate, PEM) too")
        #expect(error(dir.path("missing.crt"), key) == "--tls-cert \(dir.path("missing.crt")): no such file")
        #expect(error(dir.path("junk.pem"), key).hasPrefix("--tls-cert \(dir.path("junk.pem")): not a PEM certificate"))
        #expect(error(cert, dir.path("junk.pem")) == "--tls-key \(dir.path("junk.pem")): not a PEM private key")
        #expect(error(cert, key) == "")
    }
}
