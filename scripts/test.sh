#!/usr/bin/env bash
# The test command (README, .ci/run): set-up, type-check, then the vitest projects in order
# of what they need (unit → real k6 on loopback → built images in containers → real kind: the
# tests that make clusters of their own, then those sharing one cluster).
# Ends with one plain line "Tests: N passed, N failed" summed over the projects.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh || exit 3
export HARNESS_CACHE="${HARNESS_CACHE:-$HOME/.cache/kube-chaos-harness}"
# Everything the tests start (clusters, k6, Prometheus) carries this id; the safety net removes only that.
export KCH_TEST_SESSION="${KCH_TEST_SESSION:-test-$(date +%Y%m%d-%H%M%S)-$$}"

results=$(mktemp -d)
failed_steps=()
step() { # name, command...
  local name=$1; shift
  local t0=$SECONDS
  echo "=== $name"
  if "$@"; then echo "=== $name: ok ($((SECONDS - t0)) s)"; else echo "=== $name: FAILED ($((SECONDS - t0)) s)"; failed_steps+=("$name"); fi
}

# Tools and images, cached after the first time (k6, kind, kubectl, node image, stand-in image,
# Prometheus, and KEDA for the KEDA test: built here so each build prints its own time).
step setup npx tsx harness/cli/setup.ts --with keda
step typecheck npm run typecheck
projects=(unit load contract cluster cluster-shared)
if [ -n "${TEST_PROJECTS:-}" ]; then read -r -a projects <<<"$TEST_PROJECTS"; fi
for p in "${projects[@]}"; do
  step "vitest $p" npx vitest run --project "$p" --reporter=default --reporter=json --outputFile.json="$results/$p.json"
done

# Leave nothing behind: the cluster tests tear down their own clusters; this is the safety net.
npx tsx harness/cli/cleanup.ts --test-session "$KCH_TEST_SESSION" || true

# The last lines name every failed test and every file that failed outside a test (a beforeAll),
# with the first lines of its error: a CI log cut to its tail still says what failed.
node -e '
  const fs = require("fs"); let p = 0, f = 0; const lines = [];
  const first = (m) => String(m ?? "").replace(/\x1b\[[0-9;]*m/g, "").split("\n").filter((l) => l.trim() && !/^\s+at /.test(l)).slice(0, 3).join(" | ").slice(0, 400);
  for (const file of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + file, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests;
    for (const t of r.testResults ?? []) {
      const rel = String(t.name).replace(process.cwd() + "/", "");
      const bad = (t.assertionResults ?? []).filter((a) => a.status === "failed");
      for (const a of bad) lines.push(`FAILED ${rel} > ${a.fullName}: ${first((a.failureMessages ?? [])[0])}`);
      if (t.status === "failed" && bad.length === 0) lines.push(`FAILED ${rel} (outside its tests, a hook: its error is in the log above): ${first(t.message)}`);
    }
  }
  for (const l of lines) console.log(l);
  console.log(`Tests: ${p} passed, ${f} failed`);
' "$results"
if [ "${#failed_steps[@]}" -gt 0 ]; then echo "failed steps: ${failed_steps[*]}"; exit 1; fi
