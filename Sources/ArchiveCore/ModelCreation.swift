import TTSAPI
import TTSClient

/// Creating a model on a target where a create's outcome can be unknown (the POST was sent, no answer came): the
/// one procedure restore and sync share, each with its own journal.
///
/// A create is never blindly retried. Before each POST the caller's journal marks the step `creating`; the new id
/// is stored at once. When the outcome is unknown (or a killed run left the step `creating`), the target is
/// listed and an unclaimed model with the same name, language and description is adopted, newest first, so a
/// resumed run never creates a model twice.
struct ModelCreation {
    let client: any RestoreTarget
    /// Marks the step `creating` in the caller's journal.
    let markCreating: () throws -> Void
    /// Stores `targetID` as the step's model; when `adopting`, only if no other step has claimed it. Returns
    /// whether it was stored.
    let claim: (_ targetID: String, _ adopting: Bool) throws -> Bool

    /// The new (or adopted) model's customization id. `reconcileFirst`: a POST may already have been sent.
    func createOrAdopt(_ source: CustomModel, reconcileFirst: Bool) async throws -> String {
        if reconcileFirst, let adopted = try await adopt(source) { return adopted }
        let request = CreateModelRequest(name: source.name ?? "", language: source.language, description: source.description)
        for attempt in 1... {
            try Task.checkCancellation()
            try markCreating()
            do {
                let created = try await client.createModel(request)
                _ = try claim(created.customizationID, false)
                return created.customizationID
            } catch let error as ServiceError where error.kind == .ambiguousCreate && attempt < 4 {
                if let adopted = try await adopt(source) { return adopted }
            }
        }
        fatalError("unreachable")
    }

    private func adopt(_ source: CustomModel) async throws -> String? {
        let candidates = try await client.listModels().filter {
            ByteOrder.equal($0.name, source.name) && ByteOrder.equal($0.language, source.language)
                && ByteOrder.equal($0.description ?? "", source.description ?? "")
        }.sorted { ($0.created ?? "") > ($1.created ?? "") }
        for c in candidates where try claim(c.customizationID, true) {
            return c.customizationID
        }
        return nil
    }
}
