#!/bin/bash
# Debian packages the lab and the test suite need on the controller (Debian 12). Idempotent.
set -euo pipefail
PKGS=(qemu-system-x86 qemu-utils mmdebstrap openssh-client netcat-openbsd iproute2 util-linux e2fsprogs git make python3-venv shellcheck unzip docker-registry apache2-utils tinyproxy)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then echo "host-packages: need root to apt-get install: ${missing[*]}" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "host-packages: installed ${missing[*]}"
fi
