import Foundation
import SQLiteDB
import TestSupport
import Testing
@testable import ArchiveCore

/// The statuses' enums against the CHECK constraints of the schema a new archive gets: a value added to one side
/// only (a migration that allows a new status, or a case the schema refuses) fails here, not in a restore.
@Suite struct RestoreStatusTests {
    let dir: TempDir
    let store: ArchiveStore
    init() throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
    }

    /// The values of `column IN ('a', 'b', ...)` in the CHECK of `table`'s CREATE statement as the archive holds it.
    func checkValues(_ table: String, _ column: String) throws -> [String] {
        let sql: String = try store.db.scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table)
        let pattern = try Regex("\\b\(column)\\s+TEXT[^,]*CHECK\\s*\\(\\s*\(column)\\s+IN\\s*\\(([^)]*)\\)")
        guard let match = sql.firstMatch(of: pattern), let list = match.output[1].substring else {
            Issue.record("no CHECK (\(column) IN (...)) in \(table): \(sql)")
            return []
        }
        return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'")) }
    }

    @Test func runStatusesAreTheSchemas() throws {
        #expect(Set(try checkValues("restore_runs", "status")) == Set(RestoreRunStatus.allCases.map(\.rawValue)))
    }

    @Test func modelStatusesAreTheSchemas() throws {
        #expect(Set(try checkValues("restore_models", "status")) == Set(RestoreModelStatus.allCases.map(\.rawValue)))
    }

    @Test func actionsAreTheSchemas() throws {
        #expect(Set(try checkValues("restore_models", "action")) == Set(RestorePlan.Action.allCases.map(\.rawValue)))
    }

    @Test func sourceKindsAreTheSchemas() throws {
        #expect(Set(try checkValues("sources", "kind")) == Set(SourceDescription.Kind.allCases.map(\.rawValue)))
    }

    @Test func syncStatusesAndActionsAreTheSchemas() throws {
        #expect(Set(try checkValues("sync_runs", "status")) == Set(SyncRunStatus.allCases.map(\.rawValue)))
        #expect(Set(try checkValues("sync_steps", "status")) == Set(SyncStepStatus.allCases.map(\.rawValue)))
        #expect(Set(try checkValues("sync_steps", "action")) == Set(SyncPlan.Action.allCases.map(\.rawValue)))
    }

    /// A value the enum does not know (only a damaged archive has one) is refused as damage, naming the column.
    @Test func anUnknownStoredStatusIsDamage() throws {
        try store.db.execute("PRAGMA ignore_check_constraints = ON")
        try store.db.run("INSERT INTO restore_runs (snapshot, target, started_at, status, options) VALUES (1, 't', 'x', 'lost', '{}')")
        #expect {
            try RestoreRunSummary.all(in: store)
        } throws: { error in
            guard case ArchiveError.corrupt(_, let reason) = error else { return false }
            return reason.contains("restore_runs.status") && reason.contains("'lost'")
        }
    }
}
