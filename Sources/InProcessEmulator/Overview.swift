// InProcessEmulator: the stand-in service as a restore target inside this process.
//
// What it is: `EmulatorTarget` (a `RestoreTarget` that calls a `TTSEmulator.ServiceInstance` directly: no port,
// no HTTP, refusals turned into the client's `ServiceError`s) and `EmulatorDrill` (the core's `RestoreDrill` into
// a fresh instance). Both front doors, the CLI (`drill`, `snapshot --drill`) and the archive server (drills), use it.
//
// What it must not know: front ends. It is the only place where ArchiveCore and TTSEmulator meet; neither of
// them imports the other.
