/// A credential value (API key, password, token) that never prints.
///
/// `description`, `debugDescription`, string interpolation and `dump` all show `<redacted>`, so a
/// credential that ends up in a log line, an error or a debugger dump by accident leaks nothing.
/// Only ``value`` gives the secret, and only the request-building code reads it.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let value: String

    public init(_ value: String) { self.value = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
