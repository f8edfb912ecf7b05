// Pure: `--registry HOST[:PORT][/PATH]` and the names images get there. The flag names where the
// cluster's nodes pull from; an image `localhost/kube-chaos-harness/standin:abc` is pushed as
// `HOST[:PORT][/PATH]/standin:abc` (the last segment of its repository, its tag).

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
// The distribution spec's path component: lower-case alphanumerics joined by '.', '_', '__' or '-'s.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** The flag's value, checked: host[:port][/path] with no scheme, tag or digest; a clear error naming the flag. */
export function parseRegistry(value: string): string {
  const form = "expected HOST[:PORT][/PATH], e.g. localhost:5001/kch or registry.example.com/team/load";
  const bad = (why: string) => new Error(`--registry '${value}': ${why}; ${form}`);
  const v = value.trim();
  if (v === '') throw bad('is empty');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) throw bad('has a scheme (the engine pushes over HTTPS, or plain HTTP to a registry on localhost); leave it out');
  if (v.includes('@')) throw bad('has a digest; name the registry, not an image');
  const [hostPort, ...path] = v.replace(/\/+$/, '').split('/');
  const m = /^([^:]+)(?::(\d+))?$/.exec(hostPort!);
  if (!m) throw bad(hostPort!.includes('[') ? 'IPv6 hosts are not supported' : `'${hostPort}' is not host[:port]`);
  if (!HOST.test(m[1]!)) throw bad(`'${m[1]}' is not a host name or address`);
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) throw bad(`port ${m[2]} is outside 1-65535`);
  for (const seg of path) {
    if (seg.includes(':')) throw bad(`'${seg}' has a tag; the harness tags each image itself`);
    if (!PATH_COMPONENT.test(seg)) throw bad(`path segment '${seg}' must be lower-case letters and digits joined by '.', '_' or '-'`);
  }
  return [hostPort, ...path].join('/');
}

/** The registry's host without port: where the engine's TLS rule is decided. */
export function registryHost(registry: string): string {
  return registry.split('/')[0]!.replace(/:\d+$/, '');
}

/** A registry on this machine's loopback: the one place a push may go without TLS. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registryHost(registry);
  return host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** `REGISTRY/<last segment of the repository>:<tag>` (tag `latest` when there is none; a digest is dropped). */
export function registryRef(registry: string, localRef: string): string {
  const noDigest = localRef.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const [repo, tag] = colon > slash ? [noDigest.slice(0, colon), noDigest.slice(colon + 1)] : [noDigest, 'latest'];
  const last = repo.slice(repo.lastIndexOf('/') + 1).toLowerCase();
  return `${registry}/${last}:${tag}`;
}

/** Every image's registry name; two images that would land on one name are an error naming both. */
export function registryNames(registry: string, localRefs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const owner = new Map<string, string>();
  for (const ref of localRefs) {
    if (out.has(ref)) continue;
    const to = registryRef(registry, ref);
    const other = owner.get(to);
    if (other) throw new Error(`--registry ${registry}: images ${other} and ${ref} would both be pushed as ${to}; retag one of them`);
    owner.set(to, ref);
    out.set(ref, to);
  }
  return out;
}
