import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeFromFile } from './client.ts';
import { apiCode, apiMessage } from './api-error.ts';
import { toEpoch } from './time.ts';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: { server: "https://127.0.0.1:6443" }
- name: b
  cluster: { server: "https://127.0.0.1:7443" }
users:
- name: u
  user: { token: t }
contexts:
- name: ctx-a
  context: { cluster: a, user: u }
- name: ctx-b
  context: { cluster: b, user: u }
current-context: ctx-a
`;

describe('kubeFromFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-'));
  const file = join(dir, 'config');
  writeFileSync(file, KUBECONFIG);

  it('loads the current context, or the one named', () => {
    expect(kubeFromFile(file).getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect(kubeFromFile(file, 'ctx-b').getCurrentCluster()?.server).toBe('https://127.0.0.1:7443');
  });
  it('names the missing context and the ones that exist', () => {
    expect(() => kubeFromFile(file, 'nope')).toThrow(/no context "nope" \(has: ctx-a, ctx-b\)/);
  });
  it('names a missing file', () => {
    expect(() => kubeFromFile(join(dir, 'missing'))).toThrow(/file not found: .*missing/);
  });
});

describe('API answers', () => {
  it('reads the Status message and code of an API error', () => {
    const err = Object.assign(new Error('HTTP-Code: 429\nMessage: ...long body...'), { code: 429, body: '{"kind":"Status","message":"Cannot evict pod as it would violate the pod\'s disruption budget.","code":429}' });
    expect(apiCode(err)).toBe(429);
    expect(apiMessage(err)).toBe("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(apiCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBeUndefined();
  });
  it('timestamps from strings and Dates alike', () => {
    expect(toEpoch('2026-11-25T12:00:00Z')).toBe(Date.parse('2026-11-25T12:00:00Z'));
    expect(toEpoch(new Date(5))).toBe(5);
    expect(toEpoch('garbage')).toBeUndefined();
    expect(toEpoch(undefined)).toBeUndefined();
  });
});
