// Cron: five-field cron expressions in a time zone (`CronSchedule`).
//
// What it is: the parser and the clock arithmetic of schedules: the next firing after an instant, the last one
// at or before it, and the interval a monitor should expect between them (`0 2 * * 1-5` expects three days over
// a weekend). Daylight saving time is handled as cronie handles it (see `CronSchedule`).
//
// What it must not know: anything else (it counts days with Basics' `Civil`, shared with timestamps). No archive,
// no service, no server, no clock of its own (callers pass the instant, so tests and the server's injected clock
// decide what "now" is).
//
// Where to start reading: `CronSchedule.init` (syntax), `next(after:)`, `instants(ofWallClock:)` (DST rules).
