#!/usr/bin/env bash
# Installs what the local stack and the tests need into the checkout: ./.venv with the pinned
# Python tools, and the Debian packages they rely on (when missing). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/../.."

apt_packages=()
python3 -c 'import ensurepip, venv' 2>/dev/null || apt_packages+=(python3-venv)
command -v curl >/dev/null || apt_packages+=(curl)
# The outside validators the tests run on issued certificates.
command -v pdfsig >/dev/null && command -v pdftotext >/dev/null || apt_packages+=(poppler-utils)
command -v qpdf >/dev/null || apt_packages+=(qpdf)
command -v certutil >/dev/null || apt_packages+=(libnss3-tools)
command -v openssl >/dev/null || apt_packages+=(openssl)
command -v zbarimg >/dev/null || apt_packages+=(zbar-tools)
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "installing Debian packages: ${apt_packages[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${apt_packages[@]}"
fi

stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ infra/local/requirements.txt -nt "$stamp" ]; then
  echo "creating .venv with the pinned Python tools (moto, aws-sam-cli, pyHanko, schemathesis)"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r infra/local/requirements.txt
  touch "$stamp"
fi

# The browser tests: Debian's Chromium, driven by playwright-core, checked by axe-core (npm).
if ! command -v chromium >/dev/null; then
  echo "installing Debian packages: chromium"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium
fi
# The ROeID / CEI stand-in: oidc-provider (npm), run by node.
oidc_stamp=infra/local/oidc/node_modules/.installed
if [ ! -f "$oidc_stamp" ] || [ infra/local/oidc/package-lock.json -nt "$oidc_stamp" ]; then
  echo "installing the local OpenID Connect provider (oidc-provider)"
  npm ci --prefix infra/local/oidc --no-audit --no-fund --loglevel=error
  touch "$oidc_stamp"
fi
# Independent protocol implementations the tests check ours against (tests/interop): an
# OpenID4VCI client library acting as the wallet.
interop_stamp=tests/interop/node_modules/.installed
if [ ! -f "$interop_stamp" ] || [ tests/interop/package-lock.json -nt "$interop_stamp" ]; then
  echo "installing the interop tests' npm packages (@openid4vc/openid4vci, openid4vp, @sd-jwt/sd-jwt-vc)"
  npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error
  touch "$interop_stamp"
fi
browser_stamp=tests/browser/node_modules/.installed
if [ ! -f "$browser_stamp" ] || [ tests/browser/package-lock.json -nt "$browser_stamp" ]; then
  echo "installing the browser tests' npm packages (playwright-core, axe-core)"
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
  touch "$browser_stamp"
fi
