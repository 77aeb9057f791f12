import Foundation
import NIOSSL

/// `--tls-cert PATH --tls-key PATH`: the server speaks HTTPS itself (PEM files; the certificate file may hold the
/// chain). Both or neither; each unreadable or malformed file is one start-up error naming it. The key is read
/// once at start-up and never logged.
enum ServerTLS {
    static func configuration(certificate: String?, key: String?) throws -> TLSConfiguration? {
        switch (certificate, key) {
        case (nil, nil): return nil
        case (nil, .some): throw ServerStartError("--tls-key needs --tls-cert (the certificate, PEM) too")
        case (.some, nil): throw ServerStartError("--tls-cert needs --tls-key (the private key, PEM) too")
        case let (certificate?, key?):
            let chain: [NIOSSLCertificate]
            do {
                chain = try NIOSSLCertificate.fromPEMFile(certificate)
            } catch {
                throw ServerStartError("--tls-cert \(certificate): \(reason(error, path: certificate, what: "a PEM certificate"))")
            }
            guard !chain.isEmpty else { throw ServerStartError("--tls-cert \(certificate): the file holds no PEM certificate") }
            let privateKey: NIOSSLPrivateKey
            do {
                privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            } catch {
                throw ServerStartError("--tls-key \(key): \(reason(error, path: key, what: "a PEM private key"))")
            }
            return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                            privateKey: .privateKey(privateKey))
        }
    }

    private static func reason(_ error: any Error, path: String, what: String) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { return "no such file" }
        if isDirectory.boolValue { return "it is a folder" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return "not \(what)"
    }
}
