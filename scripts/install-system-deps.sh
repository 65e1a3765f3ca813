#!/usr/bin/env bash
# Installs the Debian packages the test suite starts for real, when they are missing.
set -euo pipefail
packages=(prometheus prometheus-alertmanager postgresql)
binaries=(prometheus prometheus-alertmanager)

missing=0
for b in "${binaries[@]}"; do
  command -v "$b" >/dev/null 2>&1 || missing=1
done
# PostgreSQL's initdb and pg_ctl are not on PATH on Debian: they live in /usr/lib/postgresql/<version>/bin.
for b in initdb pg_ctl; do
  compgen -G "/usr/lib/postgresql/*/bin/$b" >/dev/null || missing=1
done
[ "$missing" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: ${packages[*]} are missing and apt-get is not available; the tests that need them will skip." >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "note: install ${packages[*]} as root (apt-get install); the tests that need them will skip." >&2
    exit 0
  fi
fi
echo "installing Debian packages: ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# policy-rc.d in containers keeps the packaged services from starting; tests start their own.
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
