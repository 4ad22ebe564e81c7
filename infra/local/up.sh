#!/usr/bin/env bash
# `make up`: moto as local DynamoDB/S3/KMS, then the local API server on it.
# Local state is reset on every start (moto keeps it in memory only).
set -euo pipefail
cd "$(dirname "$0")/../.."

MOTO_PORT="${MOTO_PORT:-5000}"
# 0.0.0.0 lets `sam local` containers reach moto (see the README).
MOTO_HOST="${MOTO_HOST:-127.0.0.1}"
API_PORT="${API_PORT:-3000}"
MAIL_PORT="${MAIL_PORT:-2525}"
# The ROeID stand-in's port is named in infra/local/dev-issuers.json (its issuer identifier),
# and so is the development ghiseul.ro's (its origin, http://localhost:4030: another site than
# the portal's, as the real ghiseul.ro is).
ROEID_PORT=4010
GHISEUL_PORT=4030
# The timestamping authority (certomancer): its certificates name this port in their CRL URLs.
TSA_PORT="${TSA_PORT:-4020}"
STATE_DIR=.local

bash infra/local/bootstrap.sh
# The whole workspace's binaries, with the features the tests build them with (nothing built
# twice): each function runs as processes of its own binary. CAZIER_FUNCTIONS_BUILT=1 runs
# the ones in target/debug as they are (as `make test` does once it built them).
if [ -z "${CAZIER_FUNCTIONS_BUILT:-}" ]; then
  echo "building the local server, the functions and the admin tool…"
  cargo build -q --workspace --bins
fi

for port in "$MOTO_PORT" "$API_PORT" "$MAIL_PORT" "$ROEID_PORT" "$GHISEUL_PORT" "$TSA_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use: is another 'make up' running? (set MOTO_PORT / API_PORT)" >&2
    exit 1
  fi
done

rm -rf "$STATE_DIR" && mkdir -p "$STATE_DIR"
.venv/bin/python infra/local/moto_server.py -H "$MOTO_HOST" -p "$MOTO_PORT" >"$STATE_DIR/moto.log" 2>&1 &
moto_pid=$!
# The SMTP sink for the notices: each message lands as a file in .local/mail/new.
.venv/bin/python -m aiosmtpd -n -l "127.0.0.1:$MAIL_PORT" -c aiosmtpd.handlers.Mailbox "$STATE_DIR/mail" \
  >"$STATE_DIR/mail.log" 2>&1 &
mail_pid=$!
# ROeID / CEI sign-in: the oidc-provider package; its dev sign-in page takes a CNP as the login.
node infra/local/oidc/server.mjs --port "$ROEID_PORT" >"$STATE_DIR/roeid.log" 2>&1 &
roeid_pid=$!
# Every seal is timestamped (PAdES-B-T) by a real RFC 3161 TSA: certomancer, keys made afresh.
bash infra/local/tsa/serve.sh "$TSA_PORT" "$STATE_DIR/tsa-keys" >"$STATE_DIR/tsa.log" 2>&1 &
tsa_pid=$!
pids=("$moto_pid" "$mail_pid" "$roeid_pid" "$tsa_pid")
trap 'kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$MOTO_PORT/moto-api/" >/dev/null 2>&1 && break
  sleep 0.1
done

tsa="http://127.0.0.1:$TSA_PORT"
for _ in $(seq 1 100); do
  curl -fs "$tsa/_certomancer/any-cert/cazier-tsa/root.cert.pem" >/dev/null 2>&1 && break
  sleep 0.1
done
# Validators (pyhanko --trust, openssl ts -verify -CAfile) trust this root for the timestamps.
curl -fsS "$tsa/_certomancer/any-cert/cazier-tsa/root.cert.pem" >"$STATE_DIR/tsa-root.pem"
tsa_certificates="$(curl -fsS "$tsa/_certomancer/any-cert/cazier-tsa/tsa.cert.pem")
$(cat "$STATE_DIR/tsa-root.pem")"

echo "  timestamps (certomancer): $tsa/cazier-tsa/tsa/tsa  (its root: $STATE_DIR/tsa-root.pem)"

export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION="${AWS_REGION:-eu-central-1}"
CAZIER_OPERATOR_PASSWORD=operator-local-password ./target/debug/cazier-local \
  --template template.yaml \
  --aws-endpoint "http://127.0.0.1:$MOTO_PORT" \
  --port "$API_PORT" \
  --state-dir "$STATE_DIR" \
  --operator-email operator@cazier.local \
  --operator-unit "Secția 1 Poliție București" \
  --parameter "IdentityIssuers=$(cat infra/local/dev-issuers.json)" \
  --parameter "WalletProviderCertificates=$(cat infra/local/wallet-provider-dev.pem)" \
  --parameter "VerificationPageUrl=http://127.0.0.1:$API_PORT/verificare" \
  --parameter "PortalUrl=http://127.0.0.1:$API_PORT" \
  --parameter "TimestampAuthorityUrl=$tsa/cazier-tsa/tsa/tsa" \
  --parameter "TimestampAuthorityCertificates=$tsa_certificates" \
  --parameter "RequireOperatorTotp=false" \
  --mail-sink "127.0.0.1:$MAIL_PORT" \
  --ghiseul-port "$GHISEUL_PORT" \
  "$@"
