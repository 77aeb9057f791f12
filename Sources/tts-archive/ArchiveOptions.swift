enum ArchiveOptions { static let defaultPathDescription = "~/.local/share/tts-archive/archive.sqlite" }
