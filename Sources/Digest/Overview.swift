// Digest: SHA-256, dependency-free, for the archive's content hashes and snapshot digests (`ContentHasher`) and
// the migrator's checksums. It knows nothing else. Start at `SHA256.swift`.
