#!/usr/bin/env bash
# Set up a fresh Debian 12 machine for fdagen: system tools, then a venv with pinned packages.
# Idempotent: installs only what is missing and says what it did. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }

# System packages. iverilog runs the cocotb sign-off; make, g++ and perl build Verilator models;
# Verilator's FST waveform writer (--waves on --sim verilator) compiles against lz4 and zlib.
missing=()
command -v iverilog >/dev/null || missing+=(iverilog)
command -v make     >/dev/null || missing+=(make)
command -v g++      >/dev/null || missing+=(g++)
command -v perl     >/dev/null || missing+=(perl)
[ -f /usr/include/lz4.h ]  || missing+=(liblz4-dev)
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
if [ ${#missing[@]} -gt 0 ]; then
    say "installing system packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
else
    say "system packages present: iverilog make g++ perl liblz4-dev zlib1g-dev"
fi

# Python 3.11 virtual environment with the pinned packages (pyproject.toml).
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
    say "creating .venv with $("$PYTHON" --version)"
    "$PYTHON" -m venv .venv
else
    say ".venv exists"
fi
say "installing fdagen (editable) with the test, flow and training extras"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,flows,train]"
say "done: $(.venv/bin/fdagen --version), $(iverilog -V 2>&1 | head -n 1)"
