"""The cost of one million certificates on AWS (eu-central-1), from counted calls.

Reads target/cost/journey.json (the AWS calls of each step of a citizen's journey, counted by
moto's meter in `cargo test -p cazier-e2e --test cost`) and prints, for docs/COST.md:
each function's duration and cost per million invocations at each memory size (the MemorySize
table), then the cost of a million certificates for a returning citizen and for a citizen
who registers for it, by service. Run: `make cost`.
"""

import json
import math
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

# List prices, eu-central-1 (Frankfurt), USD, as AWS published them in 2025 (not re-read
# online: this machine reaches package registries only). Check them before budgeting.
PRICE = {
    "dynamodb_wru": 0.7625e-6,  # on-demand, per write request unit
    "dynamodb_rru": 0.1525e-6,  # on-demand, per read request unit
    "lambda_request": 0.20e-6,
    "lambda_gb_s_arm64": 0.0000133334,
    "http_api_request": 1.20e-6,  # API Gateway HTTP API, first 300 million a month
    "kms_asymmetric": 0.15 / 10_000,  # Sign with an ECC key
    "kms_symmetric": 0.03 / 10_000,  # Decrypt, GenerateMac, …
    "s3_put": 0.0054 / 1_000,
    "s3_get": 0.00043 / 1_000,
    "ses_email": 0.10 / 1_000,
    "logs_gb": 0.63,  # CloudWatch Logs ingestion
}

# CPU time per invocation on one full core (Lambda gives one vCPU at 1,769 MB, and a share
# proportional to memory below it), measured by `make bench` (release build, in-memory ports),
# 2026-12-02 on this machine; see docs/COST.md for the runs.
CPU_MS = {
    "register": 15.6,  # login bench, registration: one argon2id hash (19 MiB, t=2)
    "confirm": 0.02,  # not benched: a hash of the code, one decryption, a store write
    "sign in": 16.3,  # login bench, verify
    "look up": 0.02,  # not benched: a keyed hash of the code, one decryption
    "validate at a counter": 0.02,  # not benched: one decryption and JSON, as a verification
    "submit": 0.0055,  # throughput bench, POST /v1/certificate-requests: 182,000/s
    "issue": 0.41,  # certificate bench: render + seal preparation, no entries
    "poll": 0.0055,  # not benched: a read, as a submission
    "download": 0.02,  # not benched: a read and the PDF's bytes
    "verify": 0.0174,  # throughput bench, POST /v1/verifications: 57,000/s
    "notice": 0.02,  # not benched: two reads and an e-mail's text
}

# Typical in-region latency of one call, ms (assumed from AWS's published single-digit-ms
# figures; the local stack cannot measure AWS). Calls of a step are taken as sequential.
LATENCY_MS = {"dynamodb": 6, "kms_sign": 15, "kms": 6, "s3_put": 25, "s3_get": 15, "ses": 30}

# Log bytes per invocation: our JSON lines plus Lambda's START/END/REPORT lines.
LOG_BYTES = 1_000

MEMORY = {"accounts": 512, "validation": 256, "requests": 256, "generator": 256,
          "verification": 256, "web": 512}

# Each journey step: the function(s) it invokes, whether the API Gateway is in front, and how
# many of the step's DynamoDB calls are that invocation's (None: the rest of the step's).
STEPS = {
    # Registration e-mails a code (one SES message); the confirmation makes the account.
    "1 register, and confirm the e-mailed code": [("accounts", "register", True, 3),
                                                  ("accounts", "confirm", True)],
    "2 sign in": [("accounts", "sign in", True)],
    # The clerk's lookup by the code the citizen shows, then the validation.
    "3 look up and validate at a counter": [("validation", "look up", True, 4),
                                            ("validation", "validate at a counter", True)],
    # The submission: its session, its account, one transaction; the generator does the rest.
    "4 submit, and issue": [("requests", "submit", True, 3), ("generator", "issue", False)],
    "5 status seen issued (the e-mail is called off)": [("requests", "poll", True)],
    "5b a further status check": [("requests", "poll", True)],
    "6 download the PDF": [("requests", "download", True)],
    "7 verify by number and CNP": [("verification", "verify", True)],
    # The sweep's work for one ended request whose holder did not look (the sweep itself runs
    # every five minutes whatever the traffic: 8,640 invocations a month, not per certificate).
    "8 e-mail a citizen who left (the sweep)": [("generator", "notice", False)],
}


def waits(name, step):
    """Each invocation's wait for AWS, ms: its DynamoDB calls, and KMS and S3 for the last."""
    invocations = STEPS[name]
    own = [inv[3] if len(inv) > 3 else None for inv in invocations]
    rest = step["dynamodb_calls"] - sum(n for n in own if n)
    ms = [(n if n is not None else rest) * LATENCY_MS["dynamodb"] for n in own]
    ms[-1] += io_ms(step, dynamodb=False)
    return ms


def io_ms(step, dynamodb=True):
    ms = step["dynamodb_calls"] * LATENCY_MS["dynamodb"] if dynamodb else 0
    for op, n in step["kms"].items():
        ms += n * (LATENCY_MS["kms_sign"] if op == "Sign" else LATENCY_MS["kms"])
    for method, n in step["s3"].items():
        ms += n * (LATENCY_MS["s3_put"] if method == "PUT" else LATENCY_MS["s3_get"])
    return ms


def duration_ms(cpu_ms, wait_ms, memory_mb):
    share = min(memory_mb / 1769, 1.0)
    return math.ceil(cpu_ms / share + wait_ms)


def lambda_cost(cpu_ms, wait_ms, memory_mb):
    d = duration_ms(cpu_ms, wait_ms, memory_mb)
    return d, PRICE["lambda_request"] + d / 1000 * memory_mb / 1024 * PRICE["lambda_gb_s_arm64"]


def step_cost(name, step, polls=1):
    """USD for one occurrence of the step, by service."""
    c = {"DynamoDB": step["write_units"] * PRICE["dynamodb_wru"]
         + step["read_units"] * PRICE["dynamodb_rru"]}
    kms = sum(n * (PRICE["kms_asymmetric"] if op == "Sign" else PRICE["kms_symmetric"])
              for op, n in step["kms"].items())
    s3 = sum(n * (PRICE["s3_put"] if m == "PUT" else PRICE["s3_get"]) for m, n in step["s3"].items())
    c.update({"KMS": kms, "S3": s3, "Lambda": 0.0, "API Gateway": 0.0, "Logs": 0.0})
    for (function, work, behind_api, *_), wait in zip(STEPS[name], waits(name, step)):
        _, usd = lambda_cost(CPU_MS[work], wait, MEMORY[function])
        c["Lambda"] += usd
        c["API Gateway"] += PRICE["http_api_request"] if behind_api else 0.0
        c["Logs"] += LOG_BYTES / 1e9 * PRICE["logs_gb"]
    if name.startswith("8"):
        c["SES"] = PRICE["ses_email"]  # the notice that the certificate is ready
    if name.startswith("1"):
        c["SES"] = PRICE["ses_email"]  # the confirmation code
    return {k: v * polls for k, v in c.items()}


def main():
    journey = json.loads((ROOT / "target/cost/journey.json").read_text())
    print("MemorySize table: duration (ms) and USD per million invocations, arm64")
    sizes = [128, 256, 512, 1024, 1769]
    print(f"{'work':<24}{'CPU ms':>8}{'wait ms':>9}  " + "".join(f"{m:>16}" for m in sizes))
    for name, invocations in STEPS.items():
        for (function, work, *_), wait in zip(invocations, waits(name, journey[name])):
            cells = []
            for m in sizes:
                d, usd = lambda_cost(CPU_MS[work], wait, m)
                cells.append(f"{d:>6} ms ${usd * 1e6:>6.2f}")
            print(f"{function + ' ' + work:<24}{CPU_MS[work]:>8.2f}{wait:>9.0f}  " + "".join(cells))

    watches = [("4 submit, and issue", 1), ("5 status seen issued (the e-mail is called off)", 1),
               ("5b a further status check", 1), ("6 download the PDF", 1),
               ("7 verify by number and CNP", 1)]
    leaves = [("4 submit, and issue", 1), ("8 e-mail a citizen who left (the sweep)", 1),
              ("5b a further status check", 1), ("6 download the PDF", 1),
              ("7 verify by number and CNP", 1)]
    joins = [("1 register, and confirm the e-mailed code", 1), ("2 sign in", 1),
             ("3 look up and validate at a counter", 1)]
    scenarios = {
        "returning citizen who watches the page (submit, sees it issued, one more look, "
        "download, 1 verification)": watches,
        "returning citizen who leaves and is e-mailed (the same, told by the sweep)": leaves,
        "new citizen who watches (also registers, signs in, is validated at a counter)":
            joins + watches,
        "new citizen who leaves": joins + leaves,
    }
    for title, steps in scenarios.items():
        total = {}
        for name, times in steps:
            for service, usd in step_cost(name, journey[name], times).items():
                total[service] = total.get(service, 0.0) + usd
        print(f"\nPer million certificates, {title}:")
        for service, usd in sorted(total.items(), key=lambda kv: -kv[1]):
            print(f"  {service:<12} ${usd * 1e6:>8.2f}")
        print(f"  {'total':<12} ${sum(total.values()) * 1e6:>8.2f}")


if __name__ == "__main__":
    sys.exit(main())
