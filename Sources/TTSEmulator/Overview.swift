// TTSEmulator: a stand-in for the service, for tests, demos and benchmarks (Hummingbird 2).
//
// What it is: the customization API with the real service's rules as the reference records them (status codes,
// error bodies, limits, word order, 401 for unknown ids), several instances, IAM and CP4D token endpoints,
// generated lexicons and nightly churn (`Generator`, `Churn`), injected faults and latency (`Faults`), pause
// points that hold a request until a test releases it (`RequestHold`), and an admin API under `/_emulator/`.
// IBM's own Python SDK drives it in `scripts/sdk-test`, which keeps it honest.
//
// What it must not know: the archive or the client. It stands beside the client, not above it.
//
// Where to start reading: `EmulatorServer.swift`, `EmulatorResponder.swift` (one request), `ServiceInstance.swift`.
