import ArchiveCore
import Basics
import Foundation
import OpenAPIRuntime

/// `GET /v1/schedules`, `POST /v1/schedules/{source}:pause` and `:resume`, and `GET /metrics` (issue 19).
///
/// `/metrics` is in the OpenAPI document as `text/plain`: the document stays the one list of what the server
/// answers (the middleware's token rules, 405s and the request log treat it as every other read, and a client
/// generator or Schemathesis sees it), and Prometheus reads `text/plain` as its text format.
extension Handlers {
    var scheduler: Scheduler { server.scheduler }

    func scheduleSchema(_ s: Scheduler.Status) -> Components.Schemas.Schedule {
        let keep = s.schedule.keep.map { k in
            Components.Schemas.Schedule.KeepPayload(
                last: k.last > 0 ? k.last : nil, hourly: k.hourly > 0 ? k.hourly : nil, daily: k.daily > 0 ? k.daily : nil,
                weekly: k.weekly > 0 ? k.weekly : nil, monthly: k.monthly > 0 ? k.monthly : nil, yearly: k.yearly > 0 ? k.yearly : nil,
                withinSeconds: k.within.map { Int64($0) }, tags: k.tags.isEmpty ? nil : k.tags)
        }
        return .init(source: s.source, cron: s.schedule.cron.expression, timezone: s.schedule.timeZoneName,
                     paused: s.paused != nil, pausedDateTime: s.paused, drill: s.schedule.drill, keep: keep,
                     lastRun: s.lastRun.map { .init(operationId: $0.id, status: .init(rawValue: $0.status) ?? .failed, dateTime: $0.at) },
                     lastSuccessDateTime: s.lastSuccess, nextRunDateTime: s.nextRun.map(Timestamp.string(from:)),
                     expectedIntervalSeconds: s.expectedInterval.map { Int64($0) }, overdue: s.overdue)
    }

    func listSchedules(_ input: Operations.ListSchedules.Input) async throws -> Operations.ListSchedules.Output {
        .ok(.init(body: .json(.init(value: await scheduler.statuses().map(scheduleSchema)))))
    }

    func pauseSchedule(_ input: Operations.PauseSchedule.Input) async throws -> Operations.PauseSchedule.Output {
        await answering(Operations.PauseSchedule.Output.default) {
            return .ok(.init(body: .json(scheduleSchema(try await scheduler.pause(input.path.source)))))
        }
    }

    func resumeSchedule(_ input: Operations.ResumeSchedule.Input) async throws -> Operations.ResumeSchedule.Output {
        await answering(Operations.ResumeSchedule.Output.default) {
            return .ok(.init(body: .json(scheduleSchema(try await scheduler.resume(input.path.source)))))
        }
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .plainText(HTTPBody(server.metrics.scrape()))))
    }
}
