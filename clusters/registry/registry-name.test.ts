// --registry: what the flag accepts (and the error naming it), and the names images get there.
import { describe, expect, it } from 'vitest';
import { isLoopbackRegistry, parseRegistry, registryNames, registryRef } from './registry-name.ts';
import { engineError, pushArgs } from './registry-push.ts';

describe('parseRegistry', () => {
  it('takes host[:port][/path]', () => {
    expect(parseRegistry('localhost:5001/kch')).toBe('localhost:5001/kch');
    expect(parseRegistry('registry.example.com')).toBe('registry.example.com');
    expect(parseRegistry('registry.example.com/team/load-tests/')).toBe('registry.example.com/team/load-tests');
    expect(parseRegistry('192.0.2.10:5000')).toBe('192.0.2.10:5000');
  });

  it('refuses a scheme, a tag, a digest, a bad port or path, naming the flag', () => {
    expect(() => parseRegistry('http://localhost:5001/kch')).toThrow(/^--registry 'http:\/\/localhost:5001\/kch': has a scheme/);
    expect(() => parseRegistry('localhost:5001/kch:v1')).toThrow(/--registry .*'kch:v1' has a tag/);
    expect(() => parseRegistry('localhost:5001/kch@sha256:abc')).toThrow(/--registry .*digest/);
    expect(() => parseRegistry('localhost:99999')).toThrow(/--registry .*port 99999/);
    expect(() => parseRegistry('localhost:port')).toThrow(/--registry .*not host\[:port\]/);
    expect(() => parseRegistry('localhost/Team')).toThrow(/--registry .*path segment 'Team'/);
    expect(() => parseRegistry('')).toThrow(/--registry '': is empty; expected HOST\[:PORT\]\[\/PATH\]/);
    expect(() => parseRegistry('bad_host/x')).toThrow(/'bad_host' is not a host name/);
  });
});

describe('registry names', () => {
  it('pushes each image as REGISTRY/<last segment of its repository>:<tag>', () => {
    expect(registryRef('localhost:5001/kch', 'localhost/kube-chaos-harness/standin:1a2b')).toBe('localhost:5001/kch/standin:1a2b');
    expect(registryRef('localhost:5001/kch', 'my-proxy')).toBe('localhost:5001/kch/my-proxy:latest');
    expect(registryRef('registry.example.com', 'localhost:5000/team/app:2@sha256:00')).toBe('registry.example.com/app:2');
  });

  it('refuses two images that would land on one name', () => {
    expect(() => registryNames('r.example.com/x', ['a/web:1', 'b/web:1'])).toThrow('--registry r.example.com/x: images a/web:1 and b/web:1 would both be pushed as r.example.com/x/web:1');
    expect([...registryNames('r.example.com/x', ['a/web:1', 'a/web:1', 'a/api:1'])]).toEqual([
      ['a/web:1', 'r.example.com/x/web:1'],
      ['a/api:1', 'r.example.com/x/api:1'],
    ]);
  });

  it('pushes without TLS only to this machine\'s loopback (podman; docker already does for localhost)', () => {
    expect(isLoopbackRegistry('localhost:5001/kch')).toBe(true);
    expect(isLoopbackRegistry('127.0.0.1:5001')).toBe(true);
    expect(isLoopbackRegistry('registry.example.com/kch')).toBe(false);
    expect(isLoopbackRegistry('localhost.example.com')).toBe(false);
    expect(pushArgs('podman', 'localhost:5001/kch', 'localhost:5001/kch/a:1')).toEqual(['push', '--tls-verify=false', 'localhost:5001/kch/a:1']);
    expect(pushArgs('podman', 'registry.example.com', 'registry.example.com/a:1')).toEqual(['push', 'registry.example.com/a:1']);
    expect(pushArgs('docker', 'localhost:5001', 'localhost:5001/a:1')).toEqual(['push', 'localhost:5001/a:1']);
  });
});

describe('engineError', () => {
  it("keeps the engine's last Error line, not its retries", () => {
    const podman = [
      'Getting image source signatures',
      'time="2026-12-07T18:16:52Z" level=warning msg="Failed, retrying in 1s ... (3/3). Error: pinging container registry 127.0.0.1:5999"',
      'Copying blob sha256:5ecb',
      'Error: trying to reuse blob sha256:5ecb at destination: pinging container registry 127.0.0.1:5999: Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused',
      '',
    ].join('\n');
    expect(engineError(podman)).toMatch(/^Error: trying to reuse blob .*connection refused$/);
    expect(engineError('denied: requested access to the resource is denied\n')).toBe('denied: requested access to the resource is denied');
    expect(engineError('')).toBe('(no output)');
  });
});
