"""Starts the built `tts-archive emulator` once per session for the SDK suite."""
import json
import os
import subprocess
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TTS_ARCHIVE_BIN", os.path.join(ROOT, ".build", "debug", "tts-archive"))

# A model in the format of GET /v1/customizations/{id}, with prompts (they can only be seeded).
SEEDED_ID = "5e2a9c1e-0b7d-4c3f-9a51-7d1c2b3a4f60"
SEEDED = {
    "customization_id": SEEDED_ID,
    "name": "Seeded with prompts",
    "language": "en-US",
    "description": "from a backup file",
    "created": "2024-03-01T08:00:00.000Z",
    "last_modified": "2024-03-02T09:30:00.123Z",
    "words": [{"word": "IEEE", "translation": "I triple E"}],
    "prompts": [
        {"prompt": "Thank you for calling.", "prompt_id": "goodbye", "status": "available"},
        {"prompt": "Welcome!", "prompt_id": "hello", "status": "failed", "error": "Audio too short"},
    ],
}


@pytest.fixture(scope="session")
def emulator_url():
    if not os.access(BIN, os.X_OK):
        pytest.fail(f"emulator binary not found at {BIN}; build it (swift build --product tts-archive) or set TTS_ARCHIVE_BIN")
    seed_dir = tempfile.mkdtemp(prefix="tts-sdk-seed-")
    with open(os.path.join(seed_dir, "seeded.json"), "w", encoding="utf-8") as f:
        json.dump(SEEDED, f)
    proc = subprocess.Popen(
        [BIN, "emulator", "--port", "0", "--apikey", "K1", "--apikey", "K2", "--seed-dir", seed_dir],
        stdout=subprocess.PIPE, stderr=sys.stderr, text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            pytest.fail(f"unexpected first line from the emulator: {url!r}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
