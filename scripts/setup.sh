#!/usr/bin/env bash
# Makes this machine able to run Ham. Idempotent, and costs a few milliseconds when nothing is missing.
#
# TorchSharp's native library (libtorch 2.10) needs libstdc++ with GLIBCXX_3.4.32. Debian 12 ships 3.4.30, and
# the symptom is a TypeInitializationException from `torch`. The fix is libstdc++6 from Debian 13 ("trixie"),
# with that suite pinned low so that nothing else is taken from it.
set -euo pipefail

needed=GLIBCXX_3.4.32

have_glibcxx() {
  local lib
  for lib in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6 \
             /usr/lib64/libstdc++.so.6 /usr/lib/libstdc++.so.6; do
    if [ -e "$lib" ] && grep -aq "$needed" "$lib"; then return 0; fi
  done
  return 1
}

if ! command -v dotnet >/dev/null 2>&1; then
  echo "ham setup: the .NET SDK (dotnet) is not on PATH; install .NET 10 first." >&2
  exit 1
fi

if [ "$(uname -s)" != Linux ] || have_glibcxx; then
  exit 0
fi

echo "ham setup: libstdc++ lacks $needed, which TorchSharp's libtorch needs."
if [ ! -r /etc/debian_version ]; then
  echo "ham setup: this is not Debian; install a libstdc++ with $needed (GCC 13 or newer) and run again." >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo"
  else
    cat >&2 <<MSG
ham setup: installing libstdc++6 from Debian 13 needs root. Run as root:
  sudo bash $(realpath "$0")
MSG
    exit 1
  fi
fi

echo "ham setup: adding Debian 13 (trixie) as a low-priority apt source, then installing libstdc++6 from it."
$sudo tee /etc/apt/sources.list.d/ham-trixie.sources >/dev/null <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
$sudo tee /etc/apt/preferences.d/ham-trixie >/dev/null <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -t trixie libstdc++6 >/dev/null

if have_glibcxx; then
  echo "ham setup: libstdc++ now provides $needed."
else
  echo "ham setup: libstdc++6 from trixie was installed but still lacks $needed." >&2
  exit 1
fi
