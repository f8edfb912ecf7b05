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

node -e '
  const fs = require("fs"); let p = 0, f = 0;
  for (const file of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + file, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests;
  }
  console.log(`Tests: ${p} passed, ${f} failed`);
' "$results"
if [ "${#failed_steps[@]}" -gt 0 ]; then echo "failed steps: ${failed_steps[*]}"; exit 1; fi
