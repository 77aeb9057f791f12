"""The web page of `tts-archive serve` in a real browser (headless Chromium driven by Selenium).

Seeds an archive from the emulator (a few snapshots with churn, and a word whose translation holds `<script>`
and one with SSML `<phoneme ...>`), starts `serve` with an API token (reads need it: the login form), then:
opens every page, follows links, runs a diff from the form, searches a word's history, logs in, starts a
snapshot and watches it finish, and checks that the hostile translations show as text. A screenshot of each
page goes to OUT (default .build/page-test/). Every wait is bounded; the run stops itself.

Usage: page_test.py --bin .build/debug/tts-archive [--out DIR] [--keep]
Exit status: 0 when every check passed, 1 otherwise ('N passed, N failed' is the last line).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

SCRIPT = '<script>window.__pwned = 1</script>Tom & "Jerry"'
PHONEME = '<phoneme alphabet="ipa" ph="təmˈɑto">tomato</phoneme>'
TOKEN = "page-test-token-0123456789"

passed, failed = 0, 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def start(args, env=None):
    """Starts a process whose first stdout line is its URL; returns (process, url)."""
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    url = p.stdout.readline().strip()
    if not url.startswith("http"):
        p.kill()
        raise SystemExit(f"page-test: {args[1]} did not start ({url!r})")
    return p, url


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.read()


def seed(binary, emulator, archive):
    """Three snapshots: the generated models; then hostile translations and a night of churn; then more churn."""
    env = dict(os.environ, TEXT_TO_SPEECH_URL=emulator, TEXT_TO_SPEECH_AUTH_TYPE="noAuth")

    def snapshot(*extra):
        subprocess.run([binary, "snapshot", "--archive", archive, *extra], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    snapshot("--tag", "first", "--note", "generated")
    _, body = http("GET", emulator + "/v1/customizations")
    models = sorted(json.loads(body)["customizations"], key=lambda m: m["customization_id"])
    model = models[0]["customization_id"]
    quoted = urllib.parse.quote
    # Churn that keeps every model (the hostile words' model must stay), then the words themselves.
    http("POST", emulator + "/_emulator/churn", {"seed": 2, "spec": "edits=25,adds=15,deletes=8,renames=1"})
    http("PUT", f"{emulator}/v1/customizations/{model}/words/{quoted('XSS', safe='')}", {"translation": SCRIPT})
    http("PUT", f"{emulator}/v1/customizations/{model}/words/tomato", {"translation": PHONEME})
    snapshot("--note", "hostile words & a night's churn")
    # A night with a bulk deletion, which the chart must show.
    http("POST", emulator + "/_emulator/churn", {"seed": 3, "spec": "edits=5,adds=3,deletes=30,models_added=1"})
    http("PUT", f"{emulator}/v1/customizations/{model}/words/tomato", {"translation": "tuh MAH toe"})
    snapshot("--tag", "third")
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=".build/debug/tts-archive")
    parser.add_argument("--out", default=".build/page-test")
    parser.add_argument("--timeout", type=float, default=60, help="seconds any one wait may take")
    args = parser.parse_args()
    binary = os.path.abspath(args.bin)
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="page-test-")
    archive = os.path.join(work, "archive.sqlite")
    processes = []
    driver = None
    try:
        emulator_process, emulator = start([binary, "emulator", "--port", "0", "--generate", "models=3,words=120,seed=5"])
        processes.append(emulator_process)
        model = seed(binary, emulator, archive)
        env = dict(os.environ, TEXT_TO_SPEECH_URL=emulator, TEXT_TO_SPEECH_AUTH_TYPE="noAuth", TTS_ARCHIVE_TOKEN=TOKEN)
        # A nightly schedule: the seeded snapshots are younger than its day, so nothing is caught up at start-up.
        server_process, base = start([binary, "serve", "--archive", archive, "--listen", "127.0.0.1:0",
                                      "--schedule", "0 2 * * *"], env)
        processes.append(server_process)

        options = Options()
        for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000"]:
            options.add_argument(flag)
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
        driver.set_page_load_timeout(args.timeout)
        # A page the script re-renders (the operations list polls) can replace an element between finding and
        # reading it: a wait reads again rather than failing.
        wait = WebDriverWait(driver, args.timeout, ignored_exceptions=(StaleElementReferenceException,))

        def follow(element):
            """Clicks a link or a form's button and waits until the next page has replaced this one and loaded, so
            nothing after it reads the page it left. The mark set on this page's window is gone from the next one."""
            driver.execute_script("window.__pageTestLeft = true")
            element.click()

            def arrived(d):
                try:
                    return d.execute_script(
                        "return window.__pageTestLeft === undefined && document.readyState === 'complete'")
                except WebDriverException:  # between two documents
                    return False
            wait.until(arrived)

        def shot(name):
            driver.save_screenshot(os.path.join(args.out, f"{name}.png"))

        def text():
            return driver.find_element(By.TAG_NAME, "body").text

        def body_has(needle):
            """Waits (bounded) for the loaded page's text to hold `needle`; False when it never does."""
            def ready(d):
                try:
                    return needle in d.find_element(By.TAG_NAME, "body").text
                except Exception:
                    return False
            try:
                wait.until(ready)
                return True
            except TimeoutException:
                return False

        def no_script_ran(where):
            check(f"{where}: no injected script ran", driver.execute_script("return window.__pwned === undefined"))

        # Reads need the token: the login page first, then back where we were going.
        driver.get(base + "/")
        check("no token: the login page", "/login" in driver.current_url and driver.find_elements(By.ID, "token"),
              driver.current_url)
        shot("login")
        driver.find_element(By.ID, "token").send_keys("wrong")
        follow(driver.find_element(By.CSS_SELECTOR, "#login-form button"))
        check("a wrong token is refused", body_has("not this server's API token"))
        driver.find_element(By.ID, "token").send_keys(TOKEN)
        follow(driver.find_element(By.CSS_SELECTOR, "#login-form button"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "svg.chart"))
        check("logged in: the timeline", driver.title.startswith("Timeline"))
        cookie = driver.get_cookie("tts_archive_session") or {}
        check("the session cookie is HttpOnly and SameSite=Strict", cookie.get("httpOnly") and cookie.get("sameSite") == "Strict",
              str(cookie))
        check("the page never shows the token", TOKEN not in driver.page_source)

        # Timeline: snapshots with tags, notes, counts and the chart.
        body = text()
        check("timeline lists the three snapshots", all(f"\n{i} " in "\n" + body or f"{i}\n" in body for i in (1, 2, 3)))
        check("timeline shows tags and notes", "first" in body and "third" in body and "hostile words & a night's churn" in body)
        check("timeline chart has bars", len(driver.find_elements(By.CSS_SELECTOR, "svg.chart rect.added")) > 0)
        shot("timeline")

        # Follow a link to a snapshot, then a model's words, then search.
        follow(driver.find_element(By.LINK_TEXT, "2"))
        wait.until(lambda d: d.title.startswith("Snapshot 2"))
        check("snapshot page lists models", len(driver.find_elements(By.CSS_SELECTOR, "main table tbody tr")) == 3)
        shot("snapshot")
        driver.get(f"{base}/snapshots/2?model={model}")
        driver.find_element(By.ID, "q").send_keys("XSS")
        follow(driver.find_element(By.CSS_SELECTOR, "form[role=search] button"))
        wait.until(lambda d: "XSS" in d.find_element(By.CSS_SELECTOR, "table.words").text)
        cells = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "table.words td.text")]
        check("the <script> translation shows as text", SCRIPT in cells, str(cells))
        no_script_ran("snapshot words")
        driver.get(f"{base}/snapshots/2?model={model}&q=tomato")
        cells = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "table.words td.text")]
        check("the <phoneme> translation shows as text", PHONEME in cells, str(cells))
        check("no phoneme element in the page", not driver.find_elements(By.TAG_NAME, "phoneme"))
        shot("snapshot-words")

        # Diff from the form.
        follow(driver.find_element(By.LINK_TEXT, "Diff"))
        driver.find_element(By.ID, "from").send_keys("first")
        driver.find_element(By.ID, "to").send_keys("2")
        follow(driver.find_element(By.CSS_SELECTOR, "#diff-form button"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.summary"))
        news = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "table.diff td.new")]
        check("diff shows the hostile translations as text", SCRIPT in news and PHONEME in news, str(news[:5]))
        no_script_ran("diff")
        json_link = driver.find_element(By.LINK_TEXT, "the same diff as JSON").get_attribute("href")
        check("diff links to its JSON", "/v1/diff?from=first&to=2" in json_link, json_link)
        shot("diff")

        # Word history by its form.
        follow(driver.find_element(By.LINK_TEXT, "Word history"))
        driver.find_element(By.ID, "word").send_keys("tomato")
        follow(driver.find_element(By.CSS_SELECTOR, "#word-form button"))
        wait.until(lambda d: d.title.startswith("Word history of"))
        body = text()
        check("word history shows both versions", PHONEME in body and "tuh MAH toe" in body and "changed" in body)
        no_script_ran("word history")
        shot("words")

        # Operations: start a snapshot as the token holder and watch it finish (the page polls the API).
        follow(driver.find_element(By.LINK_TEXT, "Operations"))
        follow(driver.find_element(By.ID, "start-snapshot"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-operation]"))
        try:
            wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "tr[data-operation]").get_attribute("data-status") == "Succeeded")
            check("the started snapshot finishes", True)
        except TimeoutException:
            check("the started snapshot finishes", False, driver.find_element(By.CSS_SELECTOR, "tr[data-operation]").text)
        check("its row links the new snapshot", driver.find_elements(By.LINK_TEXT, "the snapshot"))
        shot("operations")
        driver.get(base + "/")
        check("the timeline shows snapshot 4", driver.find_elements(By.LINK_TEXT, "4"))

        # Schedules: the default source's nightly schedule, on time (no banner).
        follow(driver.find_element(By.LINK_TEXT, "Schedules"))
        rows = driver.find_elements(By.CSS_SELECTOR, "tr[data-source='default']")
        check("schedules lists the default source's schedule", rows and "0 2 * * *" in rows[0].text, rows[0].text if rows else "no row")
        check("schedules: on time, no overdue banner", not driver.find_elements(By.CSS_SELECTOR, ".overdue") and "on time" in text())
        shot("schedules")

        # Log out: reads need the token again.
        driver.get(base + "/operations")
        follow(driver.find_element(By.CSS_SELECTOR, ".who button"))
        driver.get(base + "/words")
        check("logged out: the login page again", "/login" in driver.current_url, driver.current_url)
    finally:
        if driver is not None:
            driver.quit()
        for p in processes:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
