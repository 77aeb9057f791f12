"""IBM's documented restore procedure, scripted with the official Python SDK (ibm-watson): for each model
backed up as GET /v1/customizations/{id} JSON (`tts-archive export` writes exactly that), create_custom_model,
then add_words with all of its words; one model after another, as the documentation walks through it.

scripts/bench times it against tts-archive restore. Usage: sdk_restore.py --url URL FOLDER
(no authentication: the benchmark's emulator runs open). Prints {"models": N, "words": M} on success.
"""
import argparse
import glob
import json
import os

from ibm_cloud_sdk_core.authenticators import NoAuthAuthenticator
from ibm_watson import TextToSpeechV1

WORD_FIELDS = ("word", "translation", "part_of_speech")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="service URL of the (empty) target instance")
    parser.add_argument("folder", help="folder of get-model JSON files, one per model")
    args = parser.parse_args()

    tts = TextToSpeechV1(authenticator=NoAuthAuthenticator())
    tts.set_service_url(args.url)

    models = words = 0
    for path in sorted(glob.glob(os.path.join(args.folder, "*.json"))):
        with open(path, encoding="utf-8") as f:
            model = json.load(f)
        created = tts.create_custom_model(
            model["name"], language=model.get("language"), description=model.get("description") or None
        ).get_result()
        entries = [{k: w[k] for k in WORD_FIELDS if k in w} for w in model.get("words", [])]
        if entries:  # a model without words needs no add_words call
            tts.add_words(created["customization_id"], entries)
        models += 1
        words += len(entries)
    print(json.dumps({"models": models, "words": words}))


if __name__ == "__main__":
    main()
