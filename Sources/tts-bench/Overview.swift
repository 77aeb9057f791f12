// tts-bench: micro-benchmarks that `scripts/bench` runs (the emulator's request rate, JSON decoding). It prints
// figures; benchmarks are never timed unit tests. Start at `TTSBench.swift`.
