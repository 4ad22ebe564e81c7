#!/usr/bin/env bash
# Runs the local timestamping authority: certomancer (PyPI, in .venv) with the PKI of
# certomancer.yml, on 127.0.0.1:<port>, its keys made afresh in <dir>.
#   TSA:            http://127.0.0.1:<port>/cazier-tsa/tsa/tsa
#   its chain:      http://127.0.0.1:<port>/_certomancer/any-cert/cazier-tsa/{tsa,root}.cert.pem
#   its root's CRL: http://127.0.0.1:<port>/cazier-tsa/crls/root/latest.crl
set -euo pipefail
port="$1"
dir="$2"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$dir"
for key in root tsa; do
  [ -f "$dir/$key.key.pem" ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$dir/$key.key.pem" 2>/dev/null
done
exec "$here/../../../.venv/bin/certomancer" --config "$here/certomancer.yml" --key-root "$dir" \
  --service-url-prefix "http://127.0.0.1:$port" animate --port "$port"
