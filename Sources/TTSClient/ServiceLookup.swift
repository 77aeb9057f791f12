import Foundation

extension CredentialProperties {
    /// The properties of the service named `serviceName`, read as IBM's SDKs read them: the credentials file
    /// (`$IBM_CREDENTIALS_FILE`, else `./ibm-credentials.env`, else `~/ibm-credentials.env`), else the
    /// environment. What `snapshot --service-name`, `restore --to-service-name` and the archive server's
    /// sources and targets all use; a front end lays its own overrides on top before ``resolve()``.
    public static func forService(
        _ serviceName: String = defaultServiceName,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        homeDirectory: String = FileManager.default.homeDirectoryForCurrentUser.path
    ) -> CredentialProperties {
        load(serviceName: serviceName, environment: environment, currentDirectory: currentDirectory, homeDirectory: homeDirectory)
    }
}

extension ServiceCredentials {
    /// The resolved credentials of the service named `serviceName` (``CredentialProperties/forService(_:environment:currentDirectory:homeDirectory:)``).
    public static func forService(
        _ serviceName: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        homeDirectory: String = FileManager.default.homeDirectoryForCurrentUser.path
    ) throws(CredentialError) -> ServiceCredentials {
        try CredentialProperties.forService(serviceName, environment: environment, currentDirectory: currentDirectory,
                                            homeDirectory: homeDirectory).resolve()
    }
}

extension ServiceCredentials {
    /// The service URL as the client reports it and the archive records a source (no userinfo, no query).
    public var redactedServiceURL: String { ServiceURL.redacted(serviceURL) }
}
