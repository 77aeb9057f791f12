# Sourced by scripts/*: installs what a fresh machine lacks, or says exactly what to do when it cannot.
# Only Debian packages are installed (apt-get, as root); the Swift toolchain must already be there.

say() { printf '%s\n' "$*" >&2; }

apt_install() {
    if [ "$(id -u)" -eq 0 ]; then
        say "installing $* (apt-get)"
        if [ -z "${TTS_APT_UPDATED:-}" ]; then
            DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
            export TTS_APT_UPDATED=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        say "installing $* (sudo apt-get)"
        sudo -n apt-get update -qq >/dev/null && sudo -n apt-get install -y -qq "$@" >/dev/null
    else
        say "error: $* is missing and this user is not root; run: sudo apt-get install $*"
        exit 1
    fi
}

ensure_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        say "error: the Swift 6 toolchain is not on PATH (https://www.swift.org/install/); it cannot be installed from here"
        exit 1
    fi
}

ensure_sqlite() {
    if [ ! -f /usr/include/sqlite3.h ] || ! command -v pkg-config >/dev/null 2>&1; then
        apt_install libsqlite3-dev pkg-config
    fi
}

ensure_python_venv() {
    if ! command -v python3 >/dev/null 2>&1; then
        apt_install python3 python3-venv
    elif ! python3 -m venv --help >/dev/null 2>&1; then
        apt_install python3-venv
    fi
}

# Runs `swift build ARGS` quietly into a log; on failure shows the log's errors and tail.
swift_build() {
    mkdir -p .build
    local log=.build/last-build.log
    if ! swift build "$@" >"$log" 2>&1; then
        grep -E 'error:' "$log" | head -40 >&2 || true
        tail -20 "$log" >&2
        say "error: swift build $* failed (full log: $log)"
        exit 1
    fi
    tail -1 "$log" >&2
}

# ./.venv with IBM's official Python SDK (ibm-watson, from PyPI) and pytest; created on first use.
ensure_sdk_venv() {
    ensure_python_venv
    [ -x .venv/bin/python ] || python3 -m venv .venv
    if ! .venv/bin/python -c "import ibm_watson, pytest" 2>/dev/null; then
        say "installing ibm-watson and pytest into ./.venv (pip)"
        .venv/bin/python -m pip install -q ibm-watson pytest >&2
    fi
}

# Headless Chromium and its driver (Debian) for scripts/page-test, and Selenium (PyPI) in ./.venv.
ensure_chromium() {
    if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
        apt_install chromium chromium-driver
    fi
    ensure_python_venv
    [ -x .venv/bin/python ] || python3 -m venv .venv
    if ! .venv/bin/python -c "import selenium" 2>/dev/null; then
        say "installing selenium into ./.venv (pip)"
        .venv/bin/python -m pip install -q selenium >&2
    fi
}

# promtool, from Debian's `prometheus` package: checks the alert rules and a real scrape of /metrics
# (scripts/schedule-test).
ensure_promtool() {
    command -v promtool >/dev/null 2>&1 || apt_install prometheus
}

# ./.venv with schemathesis 4.x (PyPI) for scripts/api-test; the client it drives uses the standard library only.
ensure_api_test_venv() {
    ensure_sdk_venv
    if ! .venv/bin/python -c "import schemathesis, sys; sys.exit(0 if schemathesis.__version__.startswith('4.') else 1)" 2>/dev/null; then
        say "installing schemathesis 4.x into ./.venv (pip)"
        .venv/bin/python -m pip install -q 'schemathesis>=4,<5' >&2
    fi
}

# wrk (Debian) for scripts/bench's server section.
ensure_wrk() {
    command -v wrk >/dev/null 2>&1 || apt_install wrk
}
