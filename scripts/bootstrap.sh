#!/usr/bin/env bash
# Set-up for a fresh Debian machine, idempotent and quick once done (every `npm run` that needs
# the world calls it): Debian packages, then npm packages. The Go builds (k6, kind, Kubernetes,
# the offline kind node image) are the harness's own steps, cached under ~/.cache/kube-chaos-harness
# (`npm run setup`), so they show progress and can be reused by CI on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."

# podman: kind's engine here (Docker can't run privileged containers on this host);
# debootstrap: the offline node image's root filesystem; prometheus: k6's remote-write sink;
# chromium: the HTML report's test; nginx-light: the benchmarks' baseline; busybox-static,
# jq, conntrack: node-image and test tools.
packages=(podman debootstrap prometheus busybox-static jq conntrack nginx-light chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "bootstrap: missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 3
  fi
  echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  # Debian starts these as services where it can; the harness starts its own, on free ports.
  for svc in nginx prometheus; do (service "$svc" stop >/dev/null 2>&1 || true); done
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
