import Foundation
import NIOHTTP1
import TTSAPI

/// Token exchanges of IAM (reference §7.1) and Cloud Pak for Data (§7.4).
enum TokenRequests {
    private struct IAMAnswer: Decodable {
        var accessToken: String
        var expiresIn: Double?
        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case expiresIn = "expires_in"
        }
    }

    private struct CloudPakAnswer: Decodable { var token: String }

    private struct CloudPakRequest: Encodable {
        var username: String
        var password: String?
        var apiKey: String?
        enum CodingKeys: String, CodingKey {
            case username, password
            case apiKey = "api_key"
        }
    }

    /// `{authURL}/identity/token`; a URL already ending in `/identity/token` is taken as is.
    static func iamTokenURL(_ authURL: String) -> String {
        var base = authURL
        while base.hasSuffix("/") { base.removeLast() }
        return base.hasSuffix("/identity/token") ? base : base + "/identity/token"
    }

    /// `{authURL}/v1/authorize` unless the URL already contains it, as IBM's core does.
    static func cloudPakTokenURL(_ authURL: String) -> String {
        var base = authURL
        while base.hasSuffix("/") { base.removeLast() }
        return base.contains("/v1/authorize") ? base : base + "/v1/authorize"
    }

    static func iam(apiKey: Secret, authURL: String, clientID: String?, clientSecret: Secret?, scope: String?,
                    insecureTLS: Bool, transport: Transport) -> @Sendable () async throws -> ScheduledToken {
        let url = iamTokenURL(authURL)
        var form = "grant_type=\(PathSegment.encode("urn:ibm:params:oauth:grant-type:apikey"))"
            + "&apikey=\(PathSegment.encode(apiKey.value))&response_type=cloud_iam"
        if let scope { form += "&scope=\(PathSegment.encode(scope))" }
        var headers: HTTPHeaders = ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"]
        if let clientID, let clientSecret {
            headers.add(name: "Authorization", value: Authorizer.basic(username: clientID, password: clientSecret.value))
        }
        let call = Call(method: .POST, url: url, path: pathOnly(url), headers: headers, body: Data(form.utf8),
                        target: .tokenService(insecureTLS: insecureTLS))
        return {
            let answer = try await transport.send(call)
            let parsed = try transport.decode(IAMAnswer.self, call, answer)
            return ScheduledToken(value: parsed.accessToken, expiresIn: parsed.expiresIn, now: Date())
        }
    }

    static func cloudPak(authURL: String, username: String, secret: Authentication.CloudPakSecret,
                         insecureTLS: Bool, transport: Transport) -> @Sendable () async throws -> ScheduledToken {
        let url = cloudPakTokenURL(authURL)
        var request = CloudPakRequest(username: username)
        switch secret {
        case .password(let password): request.password = password.value
        case .apiKey(let key): request.apiKey = key.value
        }
        let body = (try? JSONEncoder().encode(request)) ?? Data()
        let call = Call(method: .POST, url: url, path: pathOnly(url),
                        headers: ["Content-Type": "application/json", "Accept": "application/json"],
                        body: body, target: .tokenService(insecureTLS: insecureTLS))
        return {
            let answer = try await transport.send(call)
            let parsed = try transport.decode(CloudPakAnswer.self, call, answer)
            return ScheduledToken(value: parsed.token, expiresIn: nil, now: Date())
        }
    }

    /// The token URL's path for messages (`/identity/token`); the host is left out like the service's.
    private static func pathOnly(_ url: String) -> String {
        let path = URLComponents(string: url)?.path ?? ""
        return path.isEmpty ? "/" : path
    }
}
