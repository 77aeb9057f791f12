// ArchiveServer: the archive over HTTP (`tts-archive serve`), the second front door onto ArchiveCore's jobs.
//
// What it is: `openapi.yaml` (OpenAPI 3.1) is the source of truth: swift-openapi-generator's build plugin turns it
// into the types and the `APIProtocol` that `Handlers` implements, and the same document is served at
// GET /openapi.yaml, so document and code cannot drift. Reads go through archive connections of their own (they
// never wait for a job), kept open between requests and checked before each use (`ReadStores.swift`). Snapshot,
// restore, drill and rollback are long-running operations in the Azure
// style (202 + Operation-Location/Operation-Id/Retry-After/Location): `OperationCenter` keeps one row per
// operation in the archive (`ArchiveCore.OperationLog`, migrations 0008 and 0009) and one task per job; `OperationJobs`
// calls the same core jobs as the CLI (Snapshotter, Restorer, EmulatorDrill, RollbackPlan) and takes the
// archive's run lock for writers, behind `OperationCenter.gate` (one writing job of this server at a time), with
// the service clients the server keeps, one per source or target (`ServiceClients.swift`).
// `ServerConfig` (YAML) and `ServiceDirectory` name sources and targets and resolve their credentials as the CLI
// does; `ArchiveMiddleware` logs, authenticates (bearer token, constant-time), limits bodies and gives every
// 4xx/5xx the one error shape; `ArchiveHTTPServer` checks the start-up rules and runs it all under
// swift-service-lifecycle (SIGTERM/SIGINT: running operations cancelled, marked interrupted).
//
// What it must not know: the CLI (argument parsing, exit statuses, terminal output) and how the archive works
// (no SQL here: rows and queries live in ArchiveCore). Credentials never leave `ServiceDirectory` and the jobs'
// clients: responses, log lines and rows carry names and redacted URLs only.
//
// Beside the operations: schedules (`Scheduler.swift`, driven by a `SchedulerClock`; `ScheduleConfig.swift`;
// `ScheduleHandlers.swift` for GET /v1/schedules, :pause, :resume and GET /metrics), metrics (`Metrics.swift`,
// rebuilt from the archive at start-up) and notifications of scheduled runs (`Notifier.swift`); the warm standby
// (`SyncHandlers.swift`: POST/GET /v1/syncs and `SyncStarter`, which also builds the sync a source's `sync_to`
// starts after each snapshot; `SyncJobs.swift`: the `Syncer` job and its outcomes); word and model histories
// (`HistoryHandlers.swift`); the web page (`Page/`: routes, Mustache templates, sessions and CSRF, the chart);
// HTTPS (`ServerTLS.swift`); kept diffs of two snapshots (`DiffCache.swift`).
//
// Where to start reading: `openapi.yaml`, then `Handlers.swift`, then `OperationCenter.swift`.
