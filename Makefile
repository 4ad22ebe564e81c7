# The two commands of the README: `make up` (the whole local stack) and `make test` (every test).
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
export SAM_CLI_TELEMETRY := 0
export CARGO_TERM_COLOR ?= never

.PHONY: up test venv lint unit build release-sizes bench bench-init load package cost

up:
	bash infra/local/up.sh

venv:
	bash infra/local/bootstrap.sh

lint: venv
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	.venv/bin/sam validate --lint --region eu-central-1 --template template.yaml

# Unit, adapter (moto through the real SDK) and end-to-end tests (HTTP against a local stack
# that the tests start themselves on free ports: a running `make up` does not disturb them),
# the stack running each function as processes of its binary (built here, so that the tests
# do not build them again: CAZIER_FUNCTIONS_BUILT).
# What `lint` checks, with the Python and npm tools installed meanwhile (bootstrap.sh waits
# on the network, clippy and the build on the CPU); then built once, and run in two lanes: the
# Chromium walk and the OpenAPI fuzzing (the two longest, mostly waiting on Chromium and
# schemathesis) beside all the others. Both lanes name the whole workspace, so that they use
# the one build (same features, nothing rebuilt).
SLOW_TESTS := the_portal_in_chromium_is_accessible_and_works_with_the_keyboard_alone \
  the_api_does_what_its_openapi_file_says
test: export CAZIER_FUNCTIONS_BUILT := 1
test:
	@mkdir -p target
	@( bash infra/local/bootstrap.sh > target/bootstrap.log 2>&1; echo $$? > target/bootstrap.rc ) & \
	cargo fmt --all -- --check && \
	  cargo clippy --workspace --all-targets -- -D warnings && \
	  cargo test --workspace --no-run && \
	  cargo build --workspace --bins; \
	built=$$?; wait; cat target/bootstrap.log; \
	test "$$built" = 0 && test "$$(cat target/bootstrap.rc)" = 0
	.venv/bin/sam validate --lint --region eu-central-1 --template template.yaml
	@( cargo test --workspace --test browser --test fuzz > target/test-slow.log 2>&1; \
	  echo $$? > target/test-slow.rc ) & \
	cargo test --workspace -- $(foreach t,$(SLOW_TESTS),--skip $(t)) 2>&1 | tee target/test-output.log; \
	rest=$$?; wait; cat target/test-slow.log | tee -a target/test-output.log; \
	awk '/^test result:/ { p += $$4; f += $$6; i += $$8 } \
	  END { printf "\ntests: %d passed, %d failed, %d skipped\n", p, f, i }' target/test-output.log; \
	test "$$rest" = 0 && test "$$(cat target/test-slow.rc)" = 0

# The deployment build ops run: `sam build` (cargo-lambda, zig) for ARCH (the template's default,
# arm64, needs the aarch64-unknown-linux-gnu Rust target; CI builds x86_64), each function's
# zip checked against the 6 MB budget, and checkov on the template (infra/package/build.sh).
ARCH ?= arm64
package: venv
	bash infra/package/build.sh $(ARCH)

# Size of each function's release binary and of its deployment zip (`bootstrap`, zip -9), as
# Lambda receives it (host build; SAM builds the template's architecture with cargo-lambda).
release-sizes:
	cargo build --release -p cazier-accounts -p cazier-validation -p cazier-requests \
	  -p cazier-generator -p cazier-verification -p cazier-web -p cazier-wallet -p cazier-consents
	@mkdir -p target/lambda-zips
	@for f in accounts validation requests generator verification web wallet consents; do \
	  dir=target/lambda-zips/$$f; rm -rf $$dir && mkdir -p $$dir; \
	  cp target/release/cazier-$$f $$dir/bootstrap; \
	  (cd $$dir && python3 -m zipfile -c ../$$f.zip bootstrap); \
	  printf '%-13s binary %9d B   zip %9d B\n' $$f $$(stat -c %s $$dir/bootstrap) $$(stat -c %s target/lambda-zips/$$f.zip); \
	done

# CPU time to render and prepare one certificate for signing, and its size; a login's password
# check; the portal's pages, and the requests/s of one instance for submissions and
# verifications, answered inside the function with in-memory ports (release profile).
bench:
	cargo bench -p cazier-shared --bench certificate --bench login --bench wallet
	cargo bench -p cazier-web --bench pages
	cargo bench -p cazier-e2e --bench throughput
	cargo bench -p cazier-e2e --bench offline_verify

# Cold starts: each release function binary against a stub Lambda Runtime API (exec to its
# first /next), beside a hello-world lambda_runtime binary; then the first and tenth call.
bench-init: venv
	cargo build --release -p cazier-accounts -p cazier-validation -p cazier-requests \
	  -p cazier-generator -p cazier-verification -p cazier-web -p cazier-consents -p hello-lambda
	cargo bench -p cazier-e2e --bench cold_start

# A national-launch burst on a local stack (loopback only): 200 accounts, 1,000 requests at
# once by 64 clients; every request issued exactly once, moto's memory and CPU beside ours.
load: venv
	cargo run --profile load -p cazier-e2e --bin load-burst -- 200 64

# The AWS calls of a citizen's journey, counted on the local stack, priced (docs/COST.md).
cost: venv
	cargo test -q -p cazier-e2e --test cost -- --nocapture
	python3 infra/cost/cost.py
