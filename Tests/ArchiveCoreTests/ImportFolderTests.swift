import Foundation
import TestSupport
import Testing
import TTSAPI
@testable import ArchiveCore

/// A backup folder written the way IBM's procedure (reference §10, `ha-dr`) writes one with curl:
///
///     curl -u apikey:$KEY "$URL/v1/customizations" > models.json
///     curl -u apikey:$KEY "$URL/v1/customizations/$ID" > $ID.json
///     curl -u apikey:$KEY "$URL/v1/customizations/$ID/words" > $ID-words.json     (or words_$ID.json)
///
/// Four models: one saved whole, one saved as metadata with its words beside it, one saved whole with a
/// (redundant, equal) words list too, and one really empty.
enum IBMBackup {
    static let whole = "0b5c6a5e-1f2d-4c3b-9a8e-7d6c5b4a3f21"
    static let split = "1c6d7b6f-2e3a-4d4c-8b9f-8e7d6c5b4a32"
    static let both = "2d7e8c7a-3f4b-4e5d-9cab-9f8e7d6c5b43"
    static let empty = "3e8f9d8b-4a5c-4f6e-8dbc-af9e8d7c6b54"

    static func meta(_ id: String, _ name: String, _ language: String = "en-US") -> String {
        """
        "customization_id": "\(id)", "name": "\(name)", "language": "\(language)",
            "owner": "8e1b9f3c-7a2d-4b6e-9c0f-1a2b3c4d5e6f", "created": "2025-06-01T10:00:00.000Z",
            "last_modified": "2025-06-02T11:30:00.123Z", "description": "\(name) terms"
        """
    }

    static let wholeWords = #"[{"word": "IEEE", "translation": "I triple E"}, {"word": "NATO", "translation": "nay toe"}]"#
    static let splitWords = #"[{"word": "ACME", "translation": "ak me"}, {"word": "GUI", "translation": "gooey"}, {"word": "SQL", "translation": "sequel"}]"#
    static let bothWords = #"[{"word": "ITU", "translation": "I T U"}]"#

    static func write(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        put(folder, "models.json", """
            {
              "customizations": [
                {\(meta(whole, "Whole"))},
                {\(meta(split, "Split"))},
                {\(meta(both, "Both"))},
                {\(meta(empty, "Empty", "de-DE"))}
              ]
            }
            """)
        put(folder, "\(whole).json", "{\(meta(whole, "Whole")), \"words\": \(wholeWords), \"prompts\": []}")
        put(folder, "\(split).json", "{\(meta(split, "Split"))}")
        put(folder, "\(split)-words.json", "{\"words\": \(splitWords)}")
        put(folder, "\(both).json", "{\(meta(both, "Both")), \"words\": \(bothWords), \"prompts\": []}")
        put(folder, "words_\(both).json", "{\"words\": \(bothWords)}")
        put(folder, "\(empty).json", "{\(meta(empty, "Empty", "de-DE")), \"words\": [], \"prompts\": []}")
    }

    static func put(_ folder: String, _ name: String, _ text: String) {
        _ = FileManager.default.createFile(atPath: folder + "/" + name, contents: Data((text + "\n").utf8))
    }
}

@Suite struct ImportFolderTests {
    let dir: TempDir
    let folder: String
    init() throws {
        dir = try TempDir()
        folder = dir.path("backup")
        try IBMBackup.write(to: folder)
    }

    /// The one line `import` prints for a folder (empty when it is accepted).
    func failure(_ path: String? = nil) -> String {
        do { _ = try DirectorySource(directory: path ?? folder); return "" } catch { return String(describing: error) }
    }

    func put(_ name: String, _ text: String) { IBMBackup.put(folder, name, text) }
    func remove(_ name: String) throws { try FileManager.default.removeItem(atPath: folder + "/" + name) }

    @Test func ibmProcedureFolderImports() async throws {
        let store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        let summary = try await Snapshotter.run(store: store, source: try DirectorySource(directory: folder))
        #expect(summary.models == 4)
        #expect(summary.words == 2 + 3 + 1)
        let models = Dictionary(uniqueKeysWithValues: try SnapshotReader(store).models(in: summary.snapshotID).map { ($0.customizationID, $0) })
        #expect(models[IBMBackup.whole]?.words?.map(\.word) == ["IEEE", "NATO"])
        #expect(models[IBMBackup.split]?.words == [WordEntry(word: "ACME", translation: "ak me"), WordEntry(word: "GUI", translation: "gooey"),
                                                   WordEntry(word: "SQL", translation: "sequel")])
        #expect(models[IBMBackup.split]?.name == "Split")
        #expect(models[IBMBackup.both]?.words?.count == 1)
        #expect(models[IBMBackup.empty]?.words == [])
        #expect(models[IBMBackup.empty]?.language == "de-DE")
    }

    @Test func listedModelWithoutItsFileIsNamed() throws {
        try remove("\(IBMBackup.whole).json")
        #expect(failure() == "\(folder)/models.json: lists 1 model with no file in the folder: \(IBMBackup.whole) (\"Whole\"); "
            + "save each with GET /v1/customizations/{id} as <customization_id>.json")
        // The words list of a listed model whose file is missing: the list's line, which says what to save.
        try remove("\(IBMBackup.split).json")
        #expect(failure().hasPrefix("\(folder)/models.json: lists 2 models with no file in the folder: \(IBMBackup.whole) (\"Whole\"), \(IBMBackup.split) (\"Split\");"))
    }

    @Test func wordsThatMatchNoModelAreRefused() throws {
        let stray = "4f9a0e9c-5b6d-4a7f-9ecd-ba0f9e8d7c65"
        put("\(stray)-words.json", #"{"words": [{"word": "X", "translation": "ex"}]}"#)
        #expect(failure() == "\(folder)/\(stray)-words.json: the words of model \(stray), but no file in the folder holds that model "
            + "(save GET /v1/customizations/\(stray) as \(stray).json)")
        try remove("\(stray)-words.json")
        put("words.json", #"{"words": []}"#)
        #expect(failure() == "\(folder)/words.json: a words list (GET /v1/customizations/{id}/words) whose name holds no customization id; "
            + "name it <customization_id>-words.json after its model")
        try remove("words.json")
        put("\(IBMBackup.whole)-\(IBMBackup.split)-words.json", #"{"words": []}"#)
        #expect(failure().contains("-words.json: a words list (GET /v1/customizations/{id}/words) whose name holds 2 customization ids"))
    }

    @Test func twoWordsListsForOneModelAreRefused() throws {
        put("words_\(IBMBackup.split).json", "{\"words\": \(IBMBackup.splitWords)}")
        #expect(failure() == "\(folder)/words_\(IBMBackup.split).json: a second words list for model \(IBMBackup.split) "
            + "(also \(folder)/\(IBMBackup.split)-words.json); keep one of the two files")
    }

    @Test func wordsThatDifferFromTheModelFileAreRefused() throws {
        put("words_\(IBMBackup.both).json", #"{"words": [{"word": "ITU", "translation": "eye tee you"}]}"#)
        #expect(failure() == "\(folder)/words_\(IBMBackup.both).json: the words of model \(IBMBackup.both) differ from those in "
            + "\(folder)/\(IBMBackup.both).json; keep the right one of the two files")
        // Same entries in another order are the same words.
        put("\(IBMBackup.whole)-words.json", #"{"words": [{"word": "NATO", "translation": "nay toe"}, {"word": "IEEE", "translation": "I triple E"}]}"#)
        put("words_\(IBMBackup.both).json", "{\"words\": \(IBMBackup.bothWords)}")
        #expect(failure() == "")
    }

    @Test func modelWithoutWordsNeedsItsWordsList() throws {
        try remove("\(IBMBackup.split)-words.json")
        #expect(failure() == "\(folder)/\(IBMBackup.split).json: model \(IBMBackup.split) has no words array (a GET /v1/customizations/{id} "
            + "body always has one; an empty model has \"words\": []); add its words list as \(IBMBackup.split)-words.json (GET /v1/customizations/{id}/words)")
        // `"words": null` is no words either.
        put("\(IBMBackup.split).json", "{\(IBMBackup.meta(IBMBackup.split, "Split")), \"words\": null}")
        #expect(failure().hasPrefix("\(folder)/\(IBMBackup.split).json: model \(IBMBackup.split) has no words array"))
    }

    @Test func fileOfNoKnownShapeIsRefused() throws {
        put("notes.json", #"{"comment": "backup of June"}"#)
        #expect(failure() == "\(folder)/notes.json: a JSON object with none of the keys customization_id, customizations, words; expected "
            + "a get-model body {\"customization_id\": ..., \"words\": [...]}, a list body {\"customizations\": [...]} or a words body {\"words\": [...]}")
    }

    @Test func wrongTopLevelTypeIsNamed() throws {
        put("list.json", "[1,2,3]")
        #expect(failure().hasPrefix("\(folder)/list.json: holds an array, not a JSON object; expected a get-model body"))
        put("list.json", "\"text\"")
        #expect(failure().hasPrefix("\(folder)/list.json: holds a string, not a JSON object;"))
        put("list.json", "   \n")
        #expect(failure().hasPrefix("\(folder)/list.json: the file is empty;"))
    }

    @Test func invalidJSONSaysWhere() throws {
        put("\(IBMBackup.whole).json", "{\"customization_id\": \"\(IBMBackup.whole)\",\n  \"words\": [1,2,}")
        #expect(failure() == "\(folder)/\(IBMBackup.whole).json: invalid JSON at line 2, column 17; fix or save the file again")
        put("\(IBMBackup.whole).json", "<html><body>502 Bad Gateway</body></html>")
        #expect(failure() == "\(folder)/\(IBMBackup.whole).json: invalid JSON at line 1, column 1; fix or save the file again")
        put("\(IBMBackup.whole).json", "{\"customization_id\": \"\(IBMBackup.whole)\", \"words\": [")
        #expect(failure() == "\(folder)/\(IBMBackup.whole).json: invalid JSON (the file ends early); fix or save the file again")
    }

    @Test func wrongFieldTypesNameThePath() throws {
        put("\(IBMBackup.whole).json", "{\"customization_id\": \"\(IBMBackup.whole)\", \"words\": [{\"word\": \"A\", \"translation\": \"a\"}, {\"word\": 1, \"translation\": \"b\"}]}")
        #expect(failure() == "\(folder)/\(IBMBackup.whole).json: wrong type at words[1].word (expected a string)")
        put("\(IBMBackup.whole).json", "{\"customization_id\": \"\(IBMBackup.whole)\", \"words\": [{\"word\": \"A\"}]}")
        #expect(failure() == "\(folder)/\(IBMBackup.whole).json: missing field words[0].translation")
        put("\(IBMBackup.whole).json", "{\"customization_id\": \"\(IBMBackup.whole)\", \"name\": null, \"words\": [{\"word\": null, \"translation\": \"a\"}]}")
        #expect(failure() == "\(folder)/\(IBMBackup.whole).json: words[0].word is null (expected a string)")
        put("\(IBMBackup.whole).json", "{\"customization_id\": \"\(IBMBackup.whole)\", \"words\": {}}")
        #expect(failure() == "\(folder)/\(IBMBackup.whole).json: wrong type at words (expected an array)")
        try remove("\(IBMBackup.whole).json")
        put("models.json", #"{"customizations": [{"name": "no id"}]}"#)
        #expect(failure() == "\(folder)/models.json: missing field customizations[0].customization_id")
    }

    @Test func idMustBeTheOneInTheFileName() throws {
        put("\(IBMBackup.whole).json", "{\(IBMBackup.meta(IBMBackup.split, "Split")), \"words\": []}")
        #expect(failure() == "\(folder)/\(IBMBackup.whole).json: holds model \(IBMBackup.split), but its name names model \(IBMBackup.whole); "
            + "rename the file or check that it is the model you meant")
    }

    @Test func oneModelInTwoFilesIsRefused() throws {
        put("copy.json", "{\(IBMBackup.meta(IBMBackup.whole, "Whole")), \"words\": []}")
        // Files are read in name order: the GUID-named file comes first.
        #expect(failure() == "\(folder)/copy.json: model \(IBMBackup.whole) is also in \(folder)/\(IBMBackup.whole).json; keep one of the two files")
    }

    @Test func duplicateWordNamesTheFileAndTheWord() throws {
        put("\(IBMBackup.whole).json", "{\(IBMBackup.meta(IBMBackup.whole, "Whole")), \"words\": [{\"word\": \"IEEE\", \"translation\": \"a\"}, {\"word\": \"IEEE\", \"translation\": \"b\"}]}")
        #expect(failure() == "\(folder)/\(IBMBackup.whole).json: the word \"IEEE\" is in model \(IBMBackup.whole) twice; a model holds each word once: remove one")
        try remove("\(IBMBackup.whole).json")
        try remove("models.json")
        // Words from a words list: that file is named.
        put("\(IBMBackup.split)-words.json", #"{"words": [{"word": "GUI", "translation": "gooey"}, {"word": "GUI", "translation": "goo ee"}]}"#)
        #expect(failure() == "\(folder)/\(IBMBackup.split)-words.json: the word \"GUI\" is in model \(IBMBackup.split) twice; a model holds each word once: remove one")
    }

    @Test func overLimitNamesTheFile() throws {
        let long = String(repeating: "B", count: 50)
        put("\(IBMBackup.split)-words.json", "{\"words\": [{\"word\": \"\(long)\", \"translation\": \"x\"}]}")
        let line = failure()
        #expect(line.hasPrefix("\(folder)/\(IBMBackup.split)-words.json: "))
        #expect(line.contains("50-character word"))
    }

    @Test func folderProblemsAreNamed() throws {
        #expect(failure(dir.path("nope")) == "\(dir.path("nope")): no such folder; name the folder that holds the .json files")
        #expect(failure(folder + "/models.json") == "\(folder)/models.json: not a folder; import reads a folder of .json files, one per model")
        let empty = dir.path("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: empty + "/.DS_Store", contents: Data([0, 1]))
        #expect(failure(empty) == "\(empty): the folder holds no .json files; import expects one GET /v1/customizations/{id} body per model")
    }

    @Test func filesThatAreNotJSONAreRefused() throws {
        // Hidden files are skipped.
        _ = FileManager.default.createFile(atPath: folder + "/.DS_Store", contents: Data([0, 1]))
        #expect(failure() == "")
        put("README.txt", "curl commands used")
        #expect(failure() == "\(folder)/README.txt: not a .json file; import reads only *.json files: move it out of the folder")
        try remove("README.txt")
        try FileManager.default.createDirectory(atPath: folder + "/old.json", withIntermediateDirectories: true)
        #expect(failure() == "\(folder)/old.json: a folder; import reads only the .json files of one folder: move it out")
        try remove("old.json")
        try FileManager.default.createSymbolicLink(atPath: folder + "/gone.json", withDestinationPath: dir.path("nowhere.json"))
        #expect(failure() == "\(folder)/gone.json: cannot read the file (No such file or directory)")
        try remove("gone.json")
        // A FIFO is refused, not waited on.
        #expect(mkfifo(folder + "/pipe.json", 0o600) == 0)
        #expect(failure() == "\(folder)/pipe.json: not a regular file; import reads only .json files")
    }

    @Test(.enabled(if: getuid() != 0, "root reads any file")) func unreadableFileIsNamed() throws {
        let path = folder + "/\(IBMBackup.whole).json"
        #expect(chmod(path, 0) == 0)
        #expect(failure() == "\(path): cannot read the file (Permission denied)")
    }

    @Test func exportedFolderStillImports() async throws {
        // `export` writes <id>.json with words; no list, no words files.
        try remove("models.json")
        try remove("\(IBMBackup.split).json")
        try remove("\(IBMBackup.split)-words.json")
        try remove("words_\(IBMBackup.both).json")
        #expect(failure() == "")
    }
}
