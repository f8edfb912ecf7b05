// Traffic goes only to loopback, or to hosts the caller vouches for (pods the run created).
import { isIP } from 'node:net';

function hostOf(target: string, field: string): string {
  let host: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    try {
      host = new URL(target).hostname;
    } catch {
      throw new Error(`${field}: '${target}' is not a valid URL`);
    }
  } else {
    // host:port (gRPC) or [v6]:port
    const m = /^\[([^\]]+)\]:\d+$/.exec(target) ?? /^([^:]+):\d+$/.exec(target);
    if (!m) throw new Error(`${field}: '${target}' is neither a URL nor host:port`);
    host = m[1]!;
  }
  return host.replace(/^\[|\]$/g, '').toLowerCase();
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** Throws naming the field when a target is not on loopback and not in `allowedHosts`. */
export function assertLoopbackTargets(targets: Record<string, string | undefined>, allowedHosts: readonly string[] = []): void {
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  for (const [field, target] of Object.entries(targets)) {
    if (target === undefined) continue;
    const host = hostOf(target, field);
    if (!isLoopbackHost(host) && !allowed.has(host)) {
      throw new Error(
        `${field} target '${target}' is not on loopback (127.0.0.0/8, ::1, localhost): the harness only sends load to this machine's loopback or to hosts of a cluster it manages`,
      );
    }
  }
}
