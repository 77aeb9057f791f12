import Basics
import Foundation

/// One writing run at a time per archive: an advisory `flock` on `<archive>.lock`. The kernel drops the lock
/// when the process dies, so a killed run never leaves a stale lock behind; the file's text only says who
/// holds it, for the error message.
public final class ArchiveLock {
    private let fd: Int32
    public let path: String

    /// Takes the lock, waiting up to `wait` for another run to finish.
    public init(archivePath: String, purpose: String, wait: Duration = .zero) throws {
        path = archivePath + ".lock"
        let dir = (archivePath as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ArchiveError.io(path: path, reason: String(cString: strerror(errno))) }
        let deadline = ContinuousClock.now + wait
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw ArchiveError.io(path: path, reason: reason)
            }
            if ContinuousClock.now >= deadline {
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                close(fd)
                throw ArchiveError.locked(path: archivePath, holder: holder.flatMap { $0.isEmpty ? nil : $0 } ?? "another process")
            }
            usleep(100_000)
        }
        let text = "pid \(getpid()), \(purpose), since \(Timestamp.now())\n"
        ftruncate(fd, 0)
        _ = text.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
