import AsyncHTTPClient
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension TransportFailure {
    /// Maps an error thrown by AsyncHTTPClient/NIO. What matters is whether the request can have reached the
    /// service: connect-phase failures cannot (safe to repeat even a create), later ones can.
    init(_ error: any Error) {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .getConnectionFromPoolTimeout: self = .connectFailed("connect timeout")
            case .tlsHandshakeTimeout: self = .tls("handshake timeout")
            case .readTimeout, .writeTimeout, .deadlineExceeded: self = .timeout
            case .remoteConnectionClosed: self = .connectionLost
            default: self = .other(String(describing: error))
            }
        } else if let error = error as? NIOConnectionError {
            if error.dnsAError != nil || error.dnsAAAAError != nil {
                self = .connectFailed("host name lookup failed")
            } else if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                self = .connectionRefused
            } else {
                self = .connectFailed(error.connectionErrors.first.map { String(describing: $0.error) } ?? "no address")
            }
        } else if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: self = .connectionRefused
            case ECONNRESET, EPIPE: self = .connectionLost
            default: self = .other(String(describing: error))
            }
        } else if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: self = .connectFailed("connect timeout")
            case .ioOnClosedChannel, .eof, .outputClosed, .alreadyClosed: self = .connectionLost
            default: self = .other(String(describing: error))
            }
        } else if String(reflecting: type(of: error)).hasPrefix("NIOSSL.") {
            // NIOSSL is not a direct dependency; its errors are recognised by module name.
            self = .tls(String(describing: error))
        } else {
            self = .other(String(describing: error))
        }
    }
}
