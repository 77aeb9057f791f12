// TTSClient: the HTTP client of the service (AsyncHTTPClient).
//
// What it is: every customization endpoint (`TextToSpeechClient`), IBM's credential conventions
// (`CredentialResolution`, `ServiceCredentials`: environment, ibm-credentials.env, flags), authentication (IAM and
// Cloud Pak for Data tokens, basic, bearer: `TokenManager`, `TokenRequests`, `Authorizer`), retries with back-off
// and a bound on requests in flight (`Transport`), and one error type that says what failed without secrets
// (`ServiceError`).
//
// What it must not know: SQLite or the archive. It never logs, stores or prints a credential (`Secret`).
//
// Where to start reading: `TextToSpeechClient.swift`, then `Transport.swift` (one call: permit, attempt, retry).
