#!/usr/bin/env bash
# The deployment build ops run: `sam build` (SAM's rust-cargolambda method: cargo-lambda, with
# zig as the linker) for the architecture given (arm64 by default, as deployed; CI builds
# x86_64, the only Rust target its machines have). Then the built template is held against
# what the local stack runs, each function's zip, as `sam deploy` uploads it, is checked
# against the 6 MB budget, and checkov checks the template.
# Usage: infra/package/build.sh [arm64|x86_64]
set -euo pipefail
cd "$(dirname "$0")/../.."
arch="${1:-arm64}"
case "$arch" in
  arm64) target=aarch64-unknown-linux-gnu ;;
  x86_64) target=x86_64-unknown-linux-gnu ;;
  *) echo "architecture must be arm64 or x86_64, not $arch" >&2; exit 2 ;;
esac
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  echo "the Rust target $target is not installed (rustup target add $target);" \
       "build the other architecture with: make package ARCH=x86_64" >&2
  exit 2
fi

bash infra/package/tools.sh
# cargo-lambda and its zig (python -m ziglang) come from .venv-package; sam from .venv.
export PATH="$PWD/.venv-package/bin:$PATH"
export SAM_CLI_TELEMETRY=0

# One release build of every function first: cargo compiles the shared crates once and runs
# the eight fat-LTO links (the slow part) two at a time. `sam build` then runs each
# function's own `cargo lambda build`, with the same flags, and finds it fresh: every function
# resolves the same dependency features (shared/Cargo.toml says how), so nothing rebuilds.
packages=()
for manifest in functions/*/Cargo.toml; do
  packages+=(-p "$(sed -n 's/^name = "\(.*\)"$/\1/p' "$manifest" | head -1)")
done
# Each function alone must resolve the features the eight resolve together: a crate whose
# features differ is compiled again, with everything above it, by that function's own build.
tree() { cargo tree -q --target "$target" -e normal,build -f '{p} [{f}]' --prefix none "$@" | sed 's/ (\*)$//' | sort -u; }
together=$(tree "${packages[@]}")
for ((i = 1; i < ${#packages[@]}; i += 2)); do
  differing=$(comm -23 <(tree -p "${packages[i]}") <(echo "$together"))
  if [ -n "$differing" ]; then
    echo "${packages[i]} alone resolves other features than the eight functions together;" \
         "sam build would compile these (and what depends on them) again:" >&2
    echo "$differing" >&2
    echo "declare the missing features in shared/Cargo.toml (see its aws_lambda_events line)" >&2
    exit 1
  fi
done

arch_flag=()
if [ "$arch" = arm64 ]; then arch_flag=(--arm64); fi
started=$(date +%s)
cargo lambda build --release "${arch_flag[@]}" "${packages[@]}"
echo "cargo lambda build, $(( ${#packages[@]} / 2 )) functions ($arch): $(( $(date +%s) - started )) s"

started=$(date +%s)
.venv/bin/sam build --beta-features --template template.yaml --build-dir .aws-sam/build \
  --parameter-overrides "Architecture=$arch"
echo "sam build ($arch): $(( $(date +%s) - started )) s"

# The template `sam build` made, as CloudFormation will run it (SAM's translator), against what
# the local stack runs from the same template: functions, environments, roles and their
# grants, routes, the stream mapping and the schedules (infra/package/translated.py). The
# local stack's reader is the debug build `make test` made (the whole workspace's features).
cargo build -q --workspace --bin cazier-local
target/debug/cazier-local --template template.yaml --describe target/local-ran.json
.venv/bin/python infra/package/translated.py .aws-sam/build/template.yaml target/local-ran.json
for function in $(.venv/bin/python -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["functions"]))' target/local-ran.json); do
  if [ ! -x ".aws-sam/build/$function/bootstrap" ]; then
    echo "sam build made no bootstrap for $function, which the local stack runs" >&2
    exit 1
  fi
done

# The zips `sam deploy` makes (deflate), one per function, against the budget.
limit=6000000
failed=0
mkdir -p target/lambda-zips
for dir in .aws-sam/build/*Function; do
  name=$(basename "$dir")
  zip=target/lambda-zips/$name-$arch.zip
  rm -f "$zip"
  (cd "$dir" && python3 -m zipfile -c "$OLDPWD/$zip" bootstrap)
  size=$(stat -c %s "$zip")
  verdict=ok
  if [ "$size" -gt "$limit" ]; then verdict="OVER the $limit B budget"; failed=1; fi
  printf '%-22s bootstrap %9d B   zip %9d B   %s\n' "$name" "$(stat -c %s "$dir/bootstrap")" "$size" "$verdict"
done

# Every check checkov knows for CloudFormation/SAM. A skip for one resource is justified in
# the template (Metadata: checkov: skip: comment); the five below hold for all eight functions:
# - CKV_AWS_117 (function in a VPC): they call only AWS APIs, over TLS with SigV4; a VPC would
#   add NAT or endpoint costs and cold-start time and protect nothing more.
# - CKV_AWS_116 (dead-letter queue): a DLQ serves asynchronous invocations. The API functions
#   are invoked synchronously (the caller gets the error); the generator is invoked by the
#   requests stream, whose failed batches go to GeneratorFailureQueue (OnFailure).
# - CKV_AWS_115 (reserved concurrency): the HTTP API's throttle (200 requests/s, bursts of 500)
#   bounds the API functions; the generator is bounded by its stream's shards. Reserving
#   concurrency would take it from the account's pool for nothing.
# - CKV_AWS_173 (environment encrypted with a customer key): the variables are table, bucket
#   and key names and public settings, no secrets (the keys stay in KMS).
# - CKV_AWS_158 (log groups encrypted with a customer key): logs carry ids and outcomes, never
#   CNPs, names or entries (DEVELOPERS.md, tested); CloudWatch encrypts them at rest anyway.
.venv-package/bin/checkov --quiet --compact --skip-download --framework cloudformation \
  --skip-check CKV_AWS_117,CKV_AWS_116,CKV_AWS_115,CKV_AWS_173,CKV_AWS_158 -f template.yaml
exit "$failed"
