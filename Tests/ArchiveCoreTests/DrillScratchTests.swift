import Foundation
import TestSupport
import Testing
@testable import ArchiveCore

/// A killed drill leaves its scratch folder behind; the next drill removes it, and only it.
@Suite struct DrillScratchTests {
    @Test func scratchOfDeadDrillsIsRemovedAndLiveOnesAreKept() throws {
        let dir = try TempDir()
        let pidMax = Int32(try String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines))!
        let dead = "tts-archive-drill-\(pidMax + 1)-0badf00d"  // no process can have this id
        let live = "tts-archive-drill-\(getpid())-12345678"
        let other = "tts-archive-other-\(pidMax + 1)"
        for name in [dead, live, other] {
            try FileManager.default.createDirectory(at: dir.url.appending(path: name), withIntermediateDirectories: false)
            _ = FileManager.default.createFile(atPath: dir.url.appending(path: "\(name)/journal.sqlite").path, contents: Data([1]))
        }
        RestoreDrill.removeStaleScratch(in: dir.url)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir.url.path))
        #expect(left == [live, other])
    }
}
