import Foundation
import NIOHTTP1
import Testing
import TTSAPI
@testable import TTSEmulator

@Suite struct AuthTests {
    static let keys = EmulatorConfiguration(apiKeys: ["K1", "K2"])

    func token(_ h: Harness, _ key: String) async throws -> Harness.Answer {
        try await h.send(.POST, "/identity/token",
                         bytes: Array("grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=\(key)&response_type=cloud_iam".utf8),
                         headers: [("Content-Type", "application/x-www-form-urlencoded")])
    }

    @Test func withoutKeysNoCredentialsAreNeeded() async throws {
        try await Harness.with { (h) async throws in
            #expect(try await h.send(.GET, "/v1/customizations").status == 200)
            #expect(h.server.store.authenticationRequired == false)
        }
    }

    @Test func missingOrWrongCredentialsGetTheGateway401() async throws {
        try await Harness.with(Self.keys) { (h) async throws in
            for auth in [nil, Harness.basic("nope"), "Bearer not-a-token", "Digest x"] {
                let a = try await h.send(.GET, "/v1/customizations", auth: auth)
                #expect(a.status == 401)
                #expect(a.json["error"] as? String == "Unauthorized" && a.json["code"] as? Int == 401)
                #expect(a.headers.first(name: "X-Global-Transaction-Id") != nil)
            }
            #expect(try await h.send(.GET, "/v1/customizations", auth: Harness.basic("K1")).status == 200)
        }
    }

    @Test func iamTokensAreJWTsWithIatAndExpAndWork() async throws {
        try await Harness.with(Self.keys) { (h) async throws in
            let t = try await token(h, "K1")
            #expect(t.status == 200)
            #expect(t.json["token_type"] as? String == "Bearer" && t.json["expires_in"] as? Int == 3600)
            let access = try #require(t.json["access_token"] as? String)
            let parts = access.split(separator: ".")
            #expect(parts.count == 3)
            var payload = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
            let claims = try #require(try JSONSerialization.jsonObject(with: Data(base64Encoded: payload)!) as? [String: Any])
            let iat = try #require(claims["iat"] as? Int), exp = try #require(claims["exp"] as? Int)
            #expect(exp - iat == 3600)
            #expect(t.json["expiration"] as? Int == exp)
            #expect(try await h.send(.GET, "/v1/customizations", auth: "Bearer \(access)").status == 200)

            let bad = try await token(h, "wrong")
            #expect(bad.status == 400)
            #expect(bad.json["errorCode"] as? String == "BXNIM0415E")
            #expect(bad.json["errorMessage"] as? String == "Provided API key could not be found")
            let noKey = try await h.send(.POST, "/identity/token", bytes: Array("grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey".utf8),
                                         headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(noKey.status == 400)
        }
    }

    @Test func expiredTokensAre401() async throws {
        try await Harness.with(EmulatorConfiguration(apiKeys: ["K1"], tokenLifetime: 0)) { (h) async throws in
            let access = try #require(try await token(h, "K1").json["access_token"] as? String)
            #expect(try await h.send(.GET, "/v1/customizations", auth: "Bearer \(access)").status == 401)
        }
    }

    @Test func eachKeyIsItsOwnInstance() async throws {
        try await Harness.with(Self.keys) { (h) async throws in
            let k1 = Harness.basic("K1"), k2 = Harness.basic("K2")
            let id = try await h.createModel(name: "mine", auth: k1)
            #expect(try await h.send(.GET, "/v1/customizations/\(id)", auth: k1).status == 200)
            for (method, path) in [(HTTPMethod.GET, ""), (.DELETE, ""), (.GET, "/words"), (.GET, "/words/a")] {
                #expect(try await h.send(method, "/v1/customizations/\(id)\(path)", auth: k2).status == 401)
            }
            let put = try await h.send(.PUT, "/v1/customizations/\(id)/words/a", json: #"{"translation":"b"}"#, auth: k2)
            #expect(put.status == 401)
            #expect(try await h.send(.GET, "/v1/customizations", auth: k2).decode(CustomModelList.self).customizations.isEmpty)
            let other = try await h.createModel(name: "theirs", auth: k2)
            let o1 = try await h.send(.GET, "/v1/customizations/\(id)", auth: k1).decode(CustomModel.self).owner
            let o2 = try await h.send(.GET, "/v1/customizations/\(other)", auth: k2).decode(CustomModel.self).owner
            #expect(o1 != o2)
            // A key added at run time is a fresh, empty instance.
            h.server.store.addAPIKey("K3")
            #expect(try await h.send(.GET, "/v1/customizations", auth: Harness.basic("K3")).decode(CustomModelList.self).customizations.isEmpty)
            // Bearer tokens land in their key's instance.
            let access = try #require(try await token(h, "K2").json["access_token"] as? String)
            let viaToken = try await h.send(.GET, "/v1/customizations", auth: "Bearer \(access)").decode(CustomModelList.self)
            #expect(viaToken.customizations.map(\.customizationID) == [other])
        }
    }

    @Test func cp4dAuthorizeIssuesTokens() async throws {
        try await Harness.with(Self.keys) { (h) async throws in
            let ok = try await h.send(.POST, "/icp4d-api/v1/authorize", json: #"{"username":"admin","password":null,"api_key":"K1"}"#)
            #expect(ok.status == 200)
            let token = try #require(ok.json["token"] as? String)
            #expect(try await h.send(.GET, "/v1/customizations", auth: "Bearer \(token)").status == 200)
            #expect(try await h.send(.POST, "/icp4d-api/v1/authorize", json: #"{"username":"admin","api_key":"zz"}"#).status == 401)
        }
    }
}
