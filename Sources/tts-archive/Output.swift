import Foundation

/// Printing helpers shared by commands: JSON for scripts, aligned tables for people.
enum Output {
    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// One environment variable. `ProcessInfo.environment` builds a dictionary of them all, which shows in a
    /// diff's start-up.
    static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Left-aligned columns; numbers right-aligned. Width counts characters (CJK shows wider; acceptable). Cells
    /// are escaped (``TerminalText``): a name's line feed or ESC must not break the table or reach the terminal.
    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) {
        for line in tableLines(header, rows, numeric: numeric) { print(line) }
    }

    static func tableLines(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) -> [String] {
        let all = ([header] + rows).map { $0.map(TerminalText.escape) }
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        return all.enumerated().map { n, row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return numeric.contains(i) && n > 0 ? pad + cell : (i == row.count - 1 ? cell : cell + pad)
            }.joined(separator: "  ")
        }
    }

    /// Writes to stderr through stdio: unlike FileHandle.write, a closed pipe ends the process the usual
    /// Unix way instead of trapping.
    static func stderr(_ text: String) {
        writeStderr(text + "\n")
    }
}

extension Output {
    /// A one-line progress display on stderr (terminals only), overwritten in place.
    static func progress(_ text: String) {
        writeStderr("\r\u{1B}[K\(text)")
    }

    static func progressDone() {
        writeStderr("\r\u{1B}[K")
    }
}

extension Output {
    /// Bytes to standard output, then a newline (stdio is flushed first so the order with `print` holds).
    static func line(_ bytes: [UInt8]) {
        writeAll(1, bytes + [0x0A])
    }

    /// A text made piece by piece to standard output, each piece written as it comes (no joined copy), then a newline.
    static func lines(_ produce: (_ write: ([UInt8]) -> Void) -> Void) {
        produce { writeAll(1, $0) }
        writeAll(1, [0x0A])
    }

    static func writeStderr(_ text: String) {
        writeAll(2, Array(text.utf8))
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        fflush(nil)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { return }
            offset += n
        }
    }
}
