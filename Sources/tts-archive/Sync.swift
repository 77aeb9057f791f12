import ArchiveCore
import ArgumentParser
import Foundation

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Keep a second service instance (a warm standby) in step with the archive.",
        discussion: """
        The first sync into a target is a restore of SNAPSHOT (default latest; see `restore --help`): every model \
        is created, journaled, resumable and verified, and the archive records the pairing of each source model \
        with its twin on the target (per target URL, never credentials). A target restored earlier by `restore` \
        (a whole snapshot into an empty instance) is paired from that run's journal.

        Every later sync sends only the difference between the snapshot the target last equalled and SNAPSHOT: \
        added models are created, removed ones deleted (kept with --keep-removed, then never touched again), a \
        renamed or re-described model gets its new name or description on the first add-words request (the \
        update request carries words too; alone it is one request), added and changed entries are sent in \
        batches of --batch-size, and each removed entry is one delete. Twins keep their customization ids, so \
        applications pointed at the standby never need new ones. A model whose language changed is replaced.

        Before sending, the target's model list is compared with the last synced snapshot through the pairing \
        (with --check-drift also the words of each model the run touches, one read each): a model deleted, \
        renamed, re-described or (with --check-drift) edited directly on the target, or one nobody paired, is \
        drift. Drift refuses the run: nothing is sent, the drift is printed as `diff` shows it, exit 2. --force \
        sends anyway: the models touched are set to SNAPSHOT's content, a deleted twin is created again, models \
        nobody paired are left alone. SNAPSHOT must be of the same source (and model filter) as the snapshot the \
        target last equalled: another's would delete every twin it does not name, and is refused.

        Every step is journaled in the archive; a failed, killed or cancelled (Ctrl-C, SIGTERM: exit 130) run is \
        resumed by running the same command again and never creates a model twice. The pairing moves to SNAPSHOT only when every step is done. The \
        run ends by reading back the models it touched (--verify all: every paired model; --no-verify: none); \
        it is recorded complete only once that read-back has answered, so a run killed or cancelled during it is \
        resumed by the same command, which sends nothing again and verifies. \
        A sync and a restore never run at once: both hold the archive's lock. --dry-run prints the plan with \
        its request count and sends nothing that writes. `tts-archive syncs` lists targets; `tts-archive diff \
        latest live --service-name standby --match-by pairing` shows how far a target is from a snapshot.

        EXAMPLES
          tts-archive sync --to-service-name standby --dry-run
          tts-archive sync --to-service-name standby
          tts-archive sync --to-url http://127.0.0.1:8080 --auth-type noAuth --dry-run
          tts-archive sync latest --to-service-name standby --check-drift
          tts-archive sync --to-service-name standby --force --verify all

        \(ServiceOptions.credentialsHelp)

        \(ExitStatus.helpSection(.success, .differences, .failure, .archive, .locked, .auth, .usage, .interrupted))
          (2 also: drift, refused entries, a failed model; running again resumes)
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @OptionGroup var snapshot: SnapshotArgument
    @OptionGroup var service: ServiceOptions
    @Option(name: .customLong("batch-size"), help: ArgumentHelp("Words per add-words request.", valueName: "n")) var batchSize = RestoreOptions.defaultBatchSize
    @Flag(name: .customLong("keep-removed"), help: "Leave the twins of models removed from the source on the target.") var keepRemoved = false
    @Flag(help: "Send the difference although the target drifted (overwrite what changed on it).") var force = false
    @Flag(name: .customLong("check-drift"), help: "Read each model the run touches before sending, to find drift in its words.") var checkDrift = false
    /// Which models the run reads back at its end.
    enum VerifyScope: String, CaseIterable, ExpressibleByArgument { case touched, all }
    @Option(help: ArgumentHelp("Read back the models the run touched (touched, default) or every paired model (all).", valueName: "which")) var verify: VerifyScope = .touched
    @Flag(name: .customLong("no-verify"), help: "Do not read the synced models back.") var noVerify = false
    @Flag(name: .customLong("dry-run"), help: "Print the plan; send nothing that writes.") var dryRun = false
    @Flag(help: "Print the plan or report as JSON.") var json = false

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if noVerify, verify != .touched { throw ValidationError("give either --verify all or --no-verify, not both") }
    }

    func run() async throws {
        let kept = Interruption.Kept(dryRun ? "nothing sent" : "the sync can be resumed by running the same command")
        let status = try await reportingErrors { try await Interruption.cancellingOnSignals(kept: kept) { try await execute() } }
        if status != .success { throw status.exitCode }
    }

    private func execute() async throws -> ExitStatus {
        let store = try archiveOptions.open(.write)
        // One writer per target: the lock a restore holds, so a sync and a restore never run at once.
        let lock = try ArchiveLock(archivePath: store.path, purpose: "sync")
        defer { withExtendedLifetime(lock) {} }
        let snapshotID = try SnapshotReader(store).resolve(try snapshot.selector(defaultLatest: true))
        let options = SyncOptions(batchSize: batchSize, keepRemoved: keepRemoved, force: force, checkDrift: checkDrift)
        let mode: SyncVerify = noVerify ? .none : (verify == .all ? .all : .touched)
        return try await service.withClient { client in
            let syncer = Syncer(store: store, client: client, concurrency: service.concurrency, verify: mode)
            do {
                return try await perform(syncer, snapshotID: snapshotID, options: options)
            } catch SyncError.drift(let drift) {
                SyncText.drift(drift, json: json)
                throw SyncError.drift(drift)
            }
        }
    }

    private func perform(_ syncer: Syncer, snapshotID: Int64, options: SyncOptions) async throws -> ExitStatus {
        if dryRun {
            let plan = try await syncer.plan(snapshot: snapshotID, options: options)
            if json { try Output.json(plan) } else { SyncText.plan(plan) }
            if !plan.drift.models.isEmpty, !options.force {
                if !json { SyncText.drift(plan.drift, json: false) }
                throw SyncError.drift(plan.drift)
            }
            return .success
        }
        let display = JobDisplay(json: json)
        defer { display.close() }
        let report = try await syncer.run(snapshot: snapshotID, options: options, progress: display.sink)
        try display.printReport(report, json: json, text: SyncText.report)
        if report.status != .complete { return .failure }
        if let v = report.verification, !v.differences.summary.isEmpty { return .differences }
        return .success
    }
}

/// Text output of `sync`.
enum SyncText {
    static func plan(_ plan: SyncPlan) {
        if let restore = plan.restore {
            print("sync plan: first sync of snapshot \(plan.toSnapshot) into \(plan.target): a restore, then the pairing is recorded")
            RestoreText.plan(restore)
            print("\(plan.totalRequests) requests in all with the list and the verification reads")
            return
        }
        print("sync plan: snapshot \(plan.fromSnapshot ?? 0) -> \(plan.toSnapshot) into \(plan.target) (batch size \(plan.options.batchSize))"
              + (plan.resumes.map { "; resumes sync run \($0), the steps not done yet" } ?? ""))
        if plan.steps.isEmpty {
            print("nothing to send: the target is at snapshot \(plan.toSnapshot)'s content")
        } else {
            Output.table(["ACTION", "SOURCE ID", "TARGET ID", "+WORDS", "-WORDS", "METADATA", "REQUESTS", "NAME"],
                         plan.steps.map { s in
                             [s.action.rawValue, s.sourceID, s.targetID ?? "-", String(s.entriesSent), String(s.deleteWords.count),
                              [s.setName != nil ? "name" : nil, s.setDescription != nil ? "description" : nil].compactMap { $0 }.joined(separator: ","),
                              String(s.requests), s.name ?? ""]
                         },
                         numeric: [3, 4, 6])
        }
        print("\(plan.steps.count) models, \(plan.entriesSent) entries to add or overwrite, \(plan.wordsDeleted) words to delete; "
              + "\(plan.requests) write requests, \(plan.totalRequests) in all (1 list"
              + (plan.driftReads > 0 ? ", \(plan.driftReads) drift reads" : "") + ", \(plan.verifyReads) verify reads)")
        if !plan.drift.models.isEmpty, plan.options.force {
            print("drift (overwritten by --force): \(plan.drift.models.count) models")
        }
    }

    /// The drift, as `diff` prints it (JSON with --json), on stdout.
    static func drift(_ drift: ArchiveDiff, json: Bool) {
        if json {
            Output.lines { drift.writeJSON(to: $0) }
        } else {
            Output.lines { DiffFormat(colour: Output.isTerminal && Output.environment("NO_COLOR") == nil).writeText(drift, to: $0) }
        }
    }

    static func report(_ report: SyncReport) {
        if let restore = report.restore {
            RestoreText.report(restore)
            if report.status != .failed {
                print("paired \(restore.models.filter { $0.status == .done }.count) models with \(report.target) at snapshot \(report.toSnapshot)")
            } else {
                print("run the same sync again to resume")
            }
            return
        }
        let e = TerminalText.escape
        if let drift = report.drift {
            print("drift overwritten (--force): \(drift.models.count) models")
        }
        if report.models.isEmpty {
            print("sync: \(report.target) is at snapshot \(report.toSnapshot) (from \(report.fromSnapshot ?? 0)); nothing to send")
        } else {
            Output.table(["ACTION", "SOURCE ID", "TARGET ID", "+WORDS", "-WORDS", "STATUS", "NAME"],
                         report.models.map { [$0.action.rawValue, $0.sourceID, $0.targetID ?? "-", String($0.added), String($0.deleted), $0.status.rawValue, $0.name ?? ""] },
                         numeric: [3, 4])
            for m in report.models {
                for r in m.rejections { print("rejected: \(e(m.name ?? m.sourceID)): \(TerminalText.quoted(r.word)): \(e(r.message))") }
                if let message = m.message, m.status == .failed { print("failed: \(e(m.name ?? m.sourceID)): \(e(message))") }
            }
            let added = report.models.reduce(0) { $0 + $1.added }, deleted = report.models.reduce(0) { $0 + $1.deleted }
            print("sync run \(report.runID ?? 0)\(report.resumed ? " (resumed)" : ""): \(report.status.rawValue); snapshot \(report.fromSnapshot ?? 0) -> "
                  + "\(report.toSnapshot), \(report.models.count) models, \(added) entries sent, \(deleted) words deleted, "
                  + "\(report.rejectedEntries) entries rejected")
        }
        if let v = report.verification {
            let s = v.differences.summary
            if s.isEmpty {
                print("verified: \(v.models) models, \(v.words) words, 0 differences")
            } else {
                print("verify found differences (models +\(s.modelsAdded) -\(s.modelsRemoved) ~\(s.modelsChanged), "
                      + "words +\(s.wordsAdded) -\(s.wordsRemoved) ~\(s.wordsChanged)); see `tts-archive diff \(report.toSnapshot) live --match-by pairing`")
            }
        }
        if report.status == .failed { print("run the same sync again to resume (same target options)") }
    }
}
