#!/usr/bin/env bash
# Installs what a fresh machine lacks for bertha: Debian packages (libraries bertha links, the
# Prometheus/Alertmanager binaries, poppler for PDFs), the Python venv with the reference tools
# and test services, and the models. Idempotent; prints the time each phase took.
set -euo pipefail
cd "$(dirname "$0")/.."

phase_start=$(date +%s)
phase() { local now; now=$(date +%s); echo "setup: $1 ($((now - phase_start))s)"; phase_start=$now; }

APT_PACKAGES=(libarchive-dev libcurl4-openssl-dev prometheus prometheus-alertmanager poppler-utils zstd curl chromium fonts-noto-color-emoji)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
phase "apt packages (${#missing[@]} installed)"

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
phase "python venv"

bash scripts/models.sh >/dev/null
phase "models"
