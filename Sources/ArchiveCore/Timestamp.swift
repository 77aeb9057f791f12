import Foundation

/// Timestamps as the service writes them and as the archive stores them: UTC ISO 8601 with milliseconds and `Z`,
/// which also sort correctly as text.
public enum Timestamp {
    public static func now() -> String { string(from: Date()) }

    public static func string(from date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }
}
