"""IBM's own Python SDK (ibm-watson) against `tts-archive emulator` with IAM authentication.

If the SDK can tell the emulator from the service for anything tts-archive touches, a test here fails.
"""
import os
import uuid

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import BasicAuthenticator, IAMAuthenticator
from ibm_watson import TextToSpeechV1

from conftest import SEEDED, SEEDED_ID

AWKWARD = ["TCP/IP", "a&b", "50%", "what?", "#tag", "ＮＹ", "🚀launch", "C++", "x=y", "it's", "%2F", "Dr."]


def service(url, key):
    tts = TextToSpeechV1(authenticator=IAMAuthenticator(key, url=url))
    tts.set_service_url(url)
    return tts


@pytest.fixture()
def k1(emulator_url):
    return service(emulator_url, "K1")


@pytest.fixture()
def k2(emulator_url):
    return service(emulator_url, "K2")


@pytest.fixture()
def model(k1):
    cid = k1.create_custom_model("sdk test", language="en-US", description="made by pytest").get_result()["customization_id"]
    yield cid
    try:
        k1.delete_custom_model(cid)
    except ApiException:
        pass


def test_create_get_list_update_delete_model(k1):
    created = k1.create_custom_model("Medical custom model", language="de-DE", description="Fachbegriffe")
    assert created.get_status_code() == 201
    assert list(created.get_result()) == ["customization_id"]
    cid = created.get_result()["customization_id"]
    uuid.UUID(cid)
    assert created.get_headers().get("X-Global-Transaction-Id")

    got = k1.get_custom_model(cid).get_result()
    assert got["name"] == "Medical custom model" and got["language"] == "de-DE"
    assert got["description"] == "Fachbegriffe"
    assert got["words"] == [] and got["prompts"] == []
    assert got["created"] == got["last_modified"] and got["created"].endswith("Z")

    listed = k1.list_custom_models().get_result()["customizations"]
    mine = [m for m in listed if m["customization_id"] == cid]
    assert len(mine) == 1 and "words" not in mine[0] and "prompts" not in mine[0]
    de = k1.list_custom_models(language="de-DE").get_result()["customizations"]
    assert all(m["language"] == "de-DE" for m in de) and cid in [m["customization_id"] for m in de]

    updated = k1.update_custom_model(cid, name="Renamed", description="neu",
                                     words=[{"word": "EKG", "translation": "E K G"}])
    assert updated.get_status_code() == 200
    got2 = k1.get_custom_model(cid).get_result()
    assert got2["name"] == "Renamed" and got2["description"] == "neu"
    assert got2["words"] == [{"word": "EKG", "translation": "E K G"}]
    assert got2["last_modified"] > got["last_modified"]
    assert k1.update_custom_model(cid).get_status_code() == 200  # sends {}

    deleted = k1.delete_custom_model(cid)
    assert deleted.get_status_code() == 204
    with pytest.raises(ApiException) as e:
        k1.get_custom_model(cid)
    assert e.value.status_code == 401


def test_words_methods(k1, model):
    r = k1.add_words(model, [{"word": "iPhone", "translation": "I phone"},
                             {"word": "NCAA", "translation": "N C double A"},
                             {"word": "IEEE", "translation": "<phoneme alphabet=\"ipa\" ph=\"aɪ.tɹˈɨpəl.ˈi\"></phoneme>"}])
    assert r.get_status_code() == 200 and r.get_result() == {}
    words = k1.list_words(model).get_result()["words"]
    assert [w["word"] for w in words] == ["IEEE", "NCAA", "iPhone"]
    assert words[0]["translation"] == "<phoneme alphabet=\"ipa\" ph=\"aɪ.tɹˈɨpəl.ˈi\"></phoneme>"

    assert k1.add_word(model, "ACLs", "ackles").get_status_code() == 200
    assert k1.get_word(model, "ACLs").get_result() == {"translation": "ackles"}
    k1.add_word(model, "ACLs", "access lists")  # overwrite
    assert k1.get_word(model, "ACLs").get_result() == {"translation": "access lists"}
    assert k1.delete_word(model, "ACLs").get_status_code() == 204
    with pytest.raises(ApiException) as e:
        k1.get_word(model, "ACLs")
    assert e.value.status_code == 400 and "not found" in e.value.message
    with pytest.raises(ApiException) as e:
        k1.delete_word(model, "never-there")
    assert e.value.status_code == 400


def test_awkward_words_through_per_word_methods(k1, model):
    for i, word in enumerate(AWKWARD):
        k1.add_word(model, word, f"awkward {i}")
        assert k1.get_word(model, word).get_result()["translation"] == f"awkward {i}"
    listed = [w["word"] for w in k1.list_words(model).get_result()["words"]]
    assert listed == sorted(AWKWARD, key=lambda w: w.encode("utf-8"))
    for word in AWKWARD:
        assert k1.delete_word(model, word).get_status_code() == 204
    assert k1.list_words(model).get_result()["words"] == []


def test_japanese_part_of_speech(k1):
    cid = k1.create_custom_model("日本語", language="ja-JP").get_result()["customization_id"]
    try:
        k1.add_word(cid, "ＮＹ", "ニューヨーク", part_of_speech="Koyu")
        assert k1.get_word(cid, "ＮＹ").get_result() == {"translation": "ニューヨーク", "part_of_speech": "Koyu"}
        k1.add_words(cid, [{"word": "東京", "translation": "トウキョウ", "part_of_speech": "Mesi"}])
        assert k1.list_words(cid).get_result()["words"][0]["part_of_speech"] in ("Koyu", "Mesi")
        with pytest.raises(ApiException) as e:
            k1.add_word(cid, "x", "エックス", part_of_speech="Nope")
        assert e.value.status_code == 400
    finally:
        k1.delete_custom_model(cid)


def test_error_cases(k1, model):
    with pytest.raises(ApiException) as e:
        k1.add_word(model, "NY", "new york", part_of_speech="Mesi")
    assert e.value.status_code == 400
    assert e.value.message == "Part of speech is supported for ja-JP language only"
    assert e.value.global_transaction_id

    with pytest.raises(ApiException) as e:
        k1.add_words(model, [{"word": "x" * 50, "translation": "long"}])
    assert e.value.status_code == 400
    with pytest.raises(ApiException) as e:
        k1.add_word(model, "two words", "x")
    assert e.value.status_code == 400
    with pytest.raises(ApiException) as e:
        k1.get_custom_model(str(uuid.uuid4()))
    assert e.value.status_code == 401
    with pytest.raises(ApiException) as e:
        k1.get_custom_model("not-a-guid")
    assert e.value.status_code == 400 and "Malformed GUID" in e.value.message
    with pytest.raises(ApiException) as e:
        k1.create_custom_model("x", language="xx-XX")
    assert e.value.status_code == 400


def test_bad_api_key_fails_at_the_token_endpoint(emulator_url):
    tts = service(emulator_url, "no-such-key")
    with pytest.raises(ApiException) as e:
        tts.list_custom_models()
    assert e.value.status_code == 400
    assert e.value.message == "Provided API key could not be found"


def test_basic_auth_with_apikey(emulator_url, k1, model):
    tts = TextToSpeechV1(authenticator=BasicAuthenticator("apikey", "K1"))
    tts.set_service_url(emulator_url)
    assert model in [m["customization_id"] for m in tts.list_custom_models().get_result()["customizations"]]


def test_instances_are_isolated(k1, k2, model):
    assert model not in [m["customization_id"] for m in k2.list_custom_models().get_result()["customizations"]]
    for call in (lambda: k2.get_custom_model(model), lambda: k2.list_words(model),
                 lambda: k2.add_word(model, "a", "b"), lambda: k2.delete_custom_model(model),
                 lambda: k2.update_custom_model(model, name="stolen")):
        with pytest.raises(ApiException) as e:
            call()
        assert e.value.status_code == 401
    theirs = k2.create_custom_model("theirs").get_result()["customization_id"]
    try:
        assert k2.get_custom_model(theirs).get_result()["owner"] != k1.get_custom_model(model).get_result()["owner"]
    finally:
        k2.delete_custom_model(theirs)


def test_instance_prefix_in_service_url(emulator_url, model):
    tts = service(emulator_url, "K1")
    tts.set_service_url(emulator_url + "/instances/0a1b2c3d-emulated")
    assert tts.get_custom_model(model).get_result()["customization_id"] == model


def test_seeded_prompts(k1):
    got = k1.get_custom_model(SEEDED_ID).get_result()
    assert got["created"] == SEEDED["created"] and got["last_modified"] == SEEDED["last_modified"]
    assert got["prompts"] == SEEDED["prompts"]
    listed = k1.list_custom_prompts(SEEDED_ID).get_result()["prompts"]
    assert [p["prompt_id"] for p in listed] == ["goodbye", "hello"]
    one = k1.get_custom_prompt(SEEDED_ID, "hello").get_result()
    assert one == SEEDED["prompts"][1]


def test_configuration_from_environment(emulator_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no ibm-credentials.env may shadow the environment
    monkeypatch.delenv("IBM_CREDENTIALS_FILE", raising=False)
    monkeypatch.setenv("TEXT_TO_SPEECH_APIKEY", "K2")
    monkeypatch.setenv("TEXT_TO_SPEECH_AUTH_URL", emulator_url)
    monkeypatch.setenv("TEXT_TO_SPEECH_URL", emulator_url)
    tts = TextToSpeechV1()
    cid = tts.create_custom_model("from env").get_result()["customization_id"]
    assert cid in [m["customization_id"] for m in tts.list_custom_models().get_result()["customizations"]]
    tts.delete_custom_model(cid)


def test_injected_faults_and_sdk_retries(tmp_path):
    """A second, open emulator whose first two list calls fail with 503 (Retry-After: 0)."""
    import subprocess
    from conftest import BIN
    proc = subprocess.Popen([BIN, "emulator", "--port", "0", "--retry-after", "0",
                             "--fail-next", "2:GET:/v1/customizations:503"], stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        from ibm_cloud_sdk_core.authenticators import NoAuthAuthenticator
        tts = TextToSpeechV1(authenticator=NoAuthAuthenticator())
        tts.set_service_url(url)
        with pytest.raises(ApiException) as e:
            tts.list_custom_models()
        assert e.value.status_code == 503
        tts.enable_retries(max_retries=2, retry_interval=0.1)
        assert tts.list_custom_models().get_result() == {"customizations": []}  # 503, then retried to 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
