#!/bin/sh
# Set up a machine for dossier: system libraries and fonts (Debian/Ubuntu), then .venv.
# Safe to run again: it installs only what is missing.
set -eu
cd "$(dirname "$0")/.."

# Pango renders the PDF; libharfbuzz-subset0 makes font subsetting ~10x faster than the
# fontTools fallback; Noto covers scripts DejaVu lacks.
SYSTEM_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core fonts-noto-cjk"

missing=""
for package in $SYSTEM_PACKAGES; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
if [ -n "$missing" ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "error: missing system packages:$missing (install Pango, HarfBuzz-subset and fonts with your package manager)" >&2
        exit 7
    fi
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "error: missing system packages:$missing; run as root: apt-get install$missing" >&2
        exit 7
    fi
    echo "setup: installing system packages:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --editable '.[test]'
echo "setup: ready (.venv)"
