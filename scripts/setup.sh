#!/usr/bin/env bash
# Sets up a fresh Debian machine for kehoach: the C libraries it links (ICU, PCRE2, SQLite) and a
# release build. Swift itself (6.0 or later) must already be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(libicu-dev libpcre2-dev libsqlite3-dev pkg-config)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift not found; install Swift 6 from swift.org first" >&2; exit 1; }
echo "setup: building kehoach (release; the first build takes several minutes, later ones seconds)" >&2
# SwiftPM's own progress lines ([12/57] Compiling …) show how far the build is; only its warnings are left out
swift build -c release 2>&1 | grep -v -E "warning:|^\s*[0-9]+ \||^\s*\|" >&2 || true
test -x .build/release/kehoach || { echo "setup: build failed; run 'swift build -c release' to see why" >&2; exit 1; }
echo "setup: ready: .build/release/kehoach" >&2
