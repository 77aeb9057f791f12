// swift-tools-version:6.0
import PackageDescription

// Layers (see README "Architecture"):
//   Basics                          timestamps, seeded random numbers: below every layer that needs them
//   CSQLite -> SQLiteDB            SQLite wrapper + migrator; knows nothing of TTS
//   TTSAPI                          wire models of the Text to Speech customization API
//   TTSAPI -> TTSClient             HTTP client: auth, retries; knows nothing of SQLite
//   TTSAPI -> TTSEmulator           the stand-in service (Hummingbird 2)
//   ArchiveSchema                   migrations/ embedded at build time by EmbedMigrationsPlugin
//   InProcessEmulator               the emulator as a restore target (drills), for the CLI and the server
//   ArchiveServer                   the archive server: OpenAPI document -> generated handlers (Hummingbird 2)
//   tts-archive                     the CLI, one file per command
let package = Package(
    name: "tts-archive",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tts-archive", targets: ["tts-archive"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        // The archive server: its OpenAPI document generates the server side (build plugin), served by Hummingbird.
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // The server's web page (issue 21): server-rendered HTML templates.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // GET /metrics of the archive server (Prometheus text format; the server serves it itself).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "Digest"),
        // Cron expressions and their clock arithmetic (schedules of the archive server); knows nothing else but
        // Basics' day numbers.
        .target(name: "Cron", dependencies: ["Basics"]),
        // Timestamps and the seeded random generator: below SQLiteDB (the migrator stamps), which cannot see TTSAPI.
        .target(name: "Basics"),
        .target(name: "SQLiteDB", dependencies: ["Basics", "CSQLite", "Digest"]),

        // Build-time embedding of migrations/ so a binary copied alone still creates archives.
        .executableTarget(name: "EmbedMigrations"),
        .plugin(
            name: "EmbedMigrationsPlugin", capability: .buildTool(), dependencies: ["EmbedMigrations"],
            path: "Sources/EmbedMigrationsPlugin"
        ),
        .target(name: "ArchiveSchema", plugins: ["EmbedMigrationsPlugin"]),

        .target(name: "TTSAPI"),

        // The archive core: snapshot, diff, restore, retention, on top of the SQLite layer and the client.
        .target(name: "ArchiveCore", dependencies: ["Basics", "SQLiteDB", "ArchiveSchema", "Digest", "TTSAPI", "TTSClient"]),
        .target(
            name: "TTSClient",
            dependencies: [
                "Basics", "TTSAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // NIOConnectionError (connect failures) lives here; needed to tell "never sent" apart.
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "TTSEmulator",
            dependencies: [
                "Basics", "TTSAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The in-process emulator as a restore target (drills), for both front doors; the emulator itself and
        // ArchiveCore know nothing of each other.
        .target(name: "InProcessEmulator", dependencies: ["ArchiveCore", "TTSAPI", "TTSClient", "TTSEmulator"]),
        // The archive server (`tts-archive serve`): config, long-running operations, handlers generated from
        // Sources/ArchiveServer/openapi.yaml. Knows no CLI.
        .target(
            name: "ArchiveServer",
            dependencies: [
                "ArchiveCore", "Basics", "Digest", "TTSAPI", "TTSClient", "InProcessEmulator",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // --tls-cert/--tls-key: NIOSSL is built anyway (AsyncHTTPClient), so this adds one small module.
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                "Cron",
            ],
            // The document is served at GET /openapi.yaml from the binary itself (a binary copied alone still has it),
            // and so are the page's templates, style sheet and script (no CDN: servers often have no internet).
            resources: [.embedInCode("openapi.yaml"), .embedInCode("Page/Templates"), .embedInCode("Page/Static")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .executableTarget(
            name: "tts-archive",
            dependencies: [
                "ArchiveCore", "SQLiteDB", "TTSAPI", "TTSClient", "TTSEmulator", "InProcessEmulator", "ArchiveServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Benchmarks print figures; they are never timed unit tests.
        .executableTarget(
            name: "tts-bench",
            dependencies: [
                "TTSAPI", "TTSClient", "TTSEmulator",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .target(name: "TestSupport", dependencies: ["Basics", "SQLiteDB"], path: "Tests/TestSupport"),
        .testTarget(name: "CronTests", dependencies: ["Cron"]),
        .testTarget(name: "SQLiteDBTests", dependencies: ["SQLiteDB", "Digest", "TestSupport"]),
        .testTarget(name: "ArchiveCoreTests", dependencies: ["ArchiveCore", "ArchiveSchema", "Basics", "SQLiteDB", "TTSAPI", "TestSupport"]),
        // The command-line layer itself (parsing), imported from the executable.
        .testTarget(name: "CommandLineTests", dependencies: ["tts-archive", "Basics", "InProcessEmulator", "TestSupport"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["ArchiveCore", "TTSAPI", "TTSClient", "TTSEmulator", "TestSupport"]
        ),
        .testTarget(
            name: "ArchiveServerTests",
            dependencies: [
                "ArchiveServer", "ArchiveCore", "SQLiteDB", "TTSAPI", "TTSClient", "TTSEmulator", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // A webhook receiver on 127.0.0.1 (notification tests).
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "TTSClientTests",
            dependencies: [
                "TTSClient", "TTSAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "TTSEmulatorTests",
            dependencies: [
                "Basics", "TTSEmulator", "TTSAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ]
)
