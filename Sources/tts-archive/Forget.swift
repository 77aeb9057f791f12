import ArchiveCore
import ArgumentParser

struct Forget: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Forget snapshots by retention policy and remove the rows no remaining snapshot needs.",
        discussion: """
        Policies work as in restic, on each source (service instance, or imported folder) separately: a \
        snapshot is kept if any --keep option keeps it. --keep-daily 7 keeps the newest snapshot of each of the \
        7 newest days that have one; --keep-within 30d keeps everything from the 30 days before the newest \
        snapshot. Forgetting never changes a remaining snapshot: `check` still verifies its digest. \
        Rows no remaining snapshot needs are deleted at once (their space is reused by later snapshots); \
        --prune also rewrites the file to hand the space back to the file system. Forgetting is one transaction: \
        interrupted before it commits, it changes nothing. On a terminal (without --json) one line names the phase.

        Safer than restic against a typo: a --keep-tag that no snapshot has is refused (the tags that exist are \
        listed), and so is a policy that would forget every snapshot of a source, unless --allow-empty is given. \
        Either refusal changes nothing, --dry-run included.

        A snapshot a warm standby was last synced to (see `tts-archive syncs`) is always kept ("last synced to \
        TARGET"): the next sync sends the difference from it. Named one by one (forget SNAPSHOT...), such a \
        snapshot is refused unless --force is given; that target's next sync then cannot compute a difference.

        EXAMPLES
          tts-archive forget --keep-daily 14 --keep-weekly 8 --keep-monthly 24 --dry-run
          tts-archive forget --keep-within 90d --keep-tag before-migration --prune
          tts-archive forget 12 latest~40 --dry-run

        \(ExitStatus.helpSection(.success, .failure, .archive, .locked, .usage, .interrupted))
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @Argument(help: ArgumentHelp("Forget exactly these snapshots (id, latest, latest~N, tag) instead of applying --keep-* rules.",
                                 valueName: "snapshot"))
    var snapshots: [String] = []
    @Option(name: .customLong("keep-last"), help: "Keep the newest N snapshots.") var keepLast = 0
    @Option(name: .customLong("keep-hourly"), help: "Keep the newest snapshot of each of the last N hours with one.") var keepHourly = 0
    @Option(name: .customLong("keep-daily"), help: "... of each of the last N days.") var keepDaily = 0
    @Option(name: .customLong("keep-weekly"), help: "... of each of the last N ISO weeks.") var keepWeekly = 0
    @Option(name: .customLong("keep-monthly"), help: "... of each of the last N months.") var keepMonthly = 0
    @Option(name: .customLong("keep-yearly"), help: "... of each of the last N years.") var keepYearly = 0
    @Option(name: .customLong("keep-within"), help: ArgumentHelp("Keep all snapshots within this duration of the newest (e.g. 30d, 2w, 1y6m, 36h).", valueName: "duration")) var keepWithin: String?
    @Option(name: .customLong("keep-tag"), help: "Keep snapshots with this tag; repeatable.") var keepTag: [String] = []
    @Flag(help: "Allow a policy that forgets every snapshot of a source.") var allowEmpty = false
    @Flag(help: "With SNAPSHOT: forget it even when a sync target was last synced to it (its next sync then has no base).")
    var force = false
    @Flag(help: "Show what would be kept and forgotten, and why; change nothing.") var dryRun = false
    @Flag(help: "Also rewrite the archive file (VACUUM) to give freed space back to the file system.") var prune = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        let rules = keepLast + keepHourly + keepDaily + keepWeekly + keepMonthly + keepYearly > 0 || keepWithin != nil || !keepTag.isEmpty
        if !snapshots.isEmpty, rules { throw ValidationError("give SNAPSHOT arguments or --keep-* rules, not both") }
        if !snapshots.isEmpty, allowEmpty { throw ValidationError("--allow-empty applies to --keep-* rules, not to SNAPSHOT arguments") }
        if snapshots.isEmpty, force { throw ValidationError("--force applies to SNAPSHOT arguments (retention rules always keep a snapshot last synced to a target)") }
    }

    func run() async throws {
        let kept = Interruption.Kept("nothing forgotten")
        try await reportingErrors { try await Interruption.cancellingOnSignals(kept: kept) { try execute(kept: kept) } }
    }

    private func execute(kept: Interruption.Kept) throws {
        var policy = RetentionPolicy()
        policy.last = keepLast; policy.hourly = keepHourly; policy.daily = keepDaily
        policy.weekly = keepWeekly; policy.monthly = keepMonthly; policy.yearly = keepYearly
        policy.within = try keepWithin.map(RetentionPolicy.parseDuration)
        policy.tags = keepTag
        let store = try archiveOptions.open(dryRun ? .read : .write)
        let lock = dryRun ? nil : try ArchiveLock(archivePath: store.path, purpose: "forget", wait: .seconds(10))
        defer { withExtendedLifetime(lock) {} }
        let maintenance = ArchiveMaintenance(store)
        let plan: [RetentionPolicy.Decision]
        do {
            if snapshots.isEmpty {
                plan = try maintenance.plan(policy, allowEmpty: allowEmpty)
            } else {
                let reader = SnapshotReader(store)
                let ids = try snapshots.map { try reader.resolve(SnapshotSelector.parse($0), sourceURL: nil) }
                plan = try maintenance.plan(forgetting: ids, force: force)
            }
        } catch let refusal as RetentionError {
            throw ForgetRefusal(reason: refusal)
        }
        let doomed = plan.filter { !$0.keep }.map(\.snapshot)
        var result: ArchiveMaintenance.ForgetResult?
        if !dryRun, !doomed.isEmpty || prune {
            let display = JobDisplay(json: json)
            defer { display.close() }
            let sink = display.sink
            result = try maintenance.forget(doomed, vacuum: prune, progress: { p in
                if p.phase == .vacuum { kept.text = "the snapshots are forgotten; the file is not rewritten" }
                sink(p)
            })
        }
        if json {
            struct Shape: Encodable { var dryRun: Bool; var decisions: [RetentionPolicy.Decision]; var result: ArchiveMaintenance.ForgetResult? }
            return try Output.json(Shape(dryRun: dryRun, decisions: plan, result: result))
        }
        Output.table(["ID", "FINISHED (UTC)", "DECISION", "REASONS"],
                     plan.map { [String($0.snapshot), String($0.finishedAt.prefix(19)), $0.keep ? "keep" : "forget", $0.reasons.joined(separator: ", ")] },
                     numeric: [0])
        if dryRun {
            print("\ndry run: would forget \(doomed.count) of \(plan.count) snapshots; nothing changed")
        } else if let result {
            print("\nforgot \(doomed.count) of \(plan.count) snapshots, removed \(result.rowsRemoved) rows; archive \(result.bytesBefore) -> \(result.bytesAfter) bytes")
        } else {
            print("\nnothing to forget")
        }
    }
}

/// The core's refusal of a plan, with the flag that overrides it where there is one.
struct ForgetRefusal: Error, CustomStringConvertible {
    let reason: RetentionError
    var description: String {
        if case .wouldForgetLineage = reason { return "\(reason) (--allow-empty forgets them all)" }
        if case .lastSynced = reason { return "\(reason) (--force forgets it)" }
        return ErrorReporting.message(for: reason)
    }
}
