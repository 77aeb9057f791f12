import Foundation
import TestSupport
import Testing
import TTSAPI
@testable import ArchiveCore

/// `export --to` a path it cannot use says which path and why in one line, never Foundation's
/// `Error Domain=NSCocoaErrorDomain Code=516 ...` (issue 15, item 11), and never overwrites or follows a link.
@Suite struct ExportErrorTests {
    let dir: TempDir
    init() throws { dir = try TempDir() }

    static let models = [CustomModel(customizationID: "aaaaaaaa-0000-0000-0000-000000000001", name: "General", language: "en-US",
                                     words: [WordEntry(word: "IEEE", translation: "I triple E")], prompts: [])]

    func message(_ directory: String) -> String? {
        do {
            try Interchange.export(Self.models, to: directory)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func anExistingFileIsNotAFolder() throws {
        let file = dir.path("notes.txt")
        try Data("mine\n".utf8).write(to: URL(fileURLWithPath: file))
        #expect(message(file) == "cannot export to \(file): it is a file, not a folder; name a new or empty folder")
        #expect(message(file + "/sub/deeper") == "cannot export to \(file)/sub/deeper: cannot create the folder \(file)/sub: "
            + "a part of the path is a file, not a folder")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "mine\n")
    }

    @Test func newFoldersAreMadeWithTheirParentsAndExistingFilesKept() throws {
        let target = dir.path("a/b/c")
        #expect(message(target) == nil)
        let file = target + "/aaaaaaaa-0000-0000-0000-000000000001.json"
        #expect(FileManager.default.fileExists(atPath: file))
        #expect(message(target) == "\(file) already exists; export into an empty folder")
        // A link where a file would go is not followed.
        let other = dir.path("elsewhere")
        try FileManager.default.createDirectory(atPath: dir.path("linked"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: dir.path("linked/aaaaaaaa-0000-0000-0000-000000000001.json"), withDestinationPath: other)
        #expect(message(dir.path("linked"))?.hasSuffix("already exists; export into an empty folder") == true)
        #expect(!FileManager.default.fileExists(atPath: other))
    }

    @Test func anUnwritableFolderIsNamed() throws {
        guard getuid() != 0 else { return }  // root writes anywhere
        let locked = dir.path("locked")
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o555])
        defer { chmod(locked, 0o755) }
        #expect(message(locked) == "cannot export to \(locked)/aaaaaaaa-0000-0000-0000-000000000001.json: cannot create the file: "
            + "permission denied; choose a folder you may write to")
    }
}
