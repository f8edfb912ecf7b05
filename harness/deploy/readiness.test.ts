// Readiness verdicts, pod diagnosis and the fail-fast rule, pure; and the wait itself against a
// fake API server on 127.0.0.1 whose pod can never start.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { daemonSetReadiness, deploymentReadiness, podDiagnosis, serviceReadiness, unrecoverable, waitWorkloadsReady } from './readiness.ts';
import { applyOrder, type KubeObject } from './apply.ts';

describe('readiness', () => {
  it('a Deployment is Ready only when the new generation is fully rolled out', () => {
    const d = (s: object, gen = 2) => ({ metadata: { generation: gen }, spec: { replicas: 2, selector: {}, template: {} }, status: { observedGeneration: 2, ...s } });
    expect(deploymentReadiness(d({ replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 })).ready).toBe(true);
    expect(deploymentReadiness(d({ replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 })).detail).toMatch(/1 old pods left/);
    expect(deploymentReadiness(d({ replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }, 3)).detail).toMatch(/generation 3 not yet observed/);
  });
  it('a DaemonSet with nothing scheduled is not Ready', () => {
    expect(daemonSetReadiness({ metadata: { generation: 1 }, status: { observedGeneration: 1, desiredNumberScheduled: 0, numberReady: 0, currentNumberScheduled: 0, numberMisscheduled: 0 } }).ready).toBe(false);
  });
  it('a Service needs a ready endpoint', () => {
    expect(serviceReadiness([{ addressType: 'IPv4', endpoints: [{ addresses: ['1.1.1.1'], conditions: { ready: false } }] }]).ready).toBe(false);
  });
  it('diagnosis names the waiting reason of a pod that is not Ready', () => {
    const lines = podDiagnosis([{
      metadata: { name: 'web-1' },
      status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }], containerStatuses: [{ name: 'web', ready: false, restartCount: 0, image: 'x', imageID: '', state: { waiting: { reason: 'ErrImageNeverPull', message: 'image not present' } } }] },
    }]);
    expect(lines[0]).toMatch(/web-1.*ErrImageNeverPull: image not present/);
  });
  it('applies what others refer to first', () => {
    const o = (kind: string, name: string): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name } });
    expect(applyOrder([o('HorizontalPodAutoscaler', 'h'), o('Deployment', 'd'), o('Service', 's'), o('ConfigMap', 'c')]).map((x) => x.kind)).toEqual(['ConfigMap', 'Service', 'Deployment', 'HorizontalPodAutoscaler']);
  });
});

const pod = (name: string, waiting: { reason: string; message?: string }, restartCount = 0, extra: Partial<V1Pod['metadata']> = {}): V1Pod => ({
  metadata: { name, labels: { app: 'web' }, ...extra },
  status: {
    phase: 'Pending',
    conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
    containerStatuses: [{ name: 'web', ready: false, restartCount, image: 'x', imageID: '', state: { waiting } }],
  },
});

describe('unrecoverable', () => {
  it('names a waiting reason no wait can fix', () => {
    for (const reason of ['ErrImageNeverPull', 'InvalidImageName', 'CreateContainerConfigError']) {
      expect(unrecoverable([pod('web-1', { reason, message: 'why' })])).toBe(`pod web-1: container web ${reason}: why`);
    }
  });
  it('lets slow starts and short back-offs keep waiting', () => {
    expect(unrecoverable([pod('web-1', { reason: 'ContainerCreating' })])).toBeNull();
    expect(unrecoverable([pod('web-1', { reason: 'ErrImagePull' })])).toBeNull();
    expect(unrecoverable([pod('web-1', { reason: 'CrashLoopBackOff' }, 2)])).toBeNull();
  });
  it('calls a crash loop past the bound hopeless', () => {
    expect(unrecoverable([pod('web-1', { reason: 'CrashLoopBackOff', message: 'back-off 40s' }, 3)])).toBe('pod web-1: container web CrashLoopBackOff (3 restarts): back-off 40s');
  });
  it('ignores pods already being deleted (an old ReplicaSet going away)', () => {
    expect(unrecoverable([pod('web-1', { reason: 'ErrImageNeverPull' }, 0, { deletionTimestamp: new Date() })])).toBeNull();
  });
});

describe('waitWorkloadsReady', () => {
  it('stops at once on ErrImageNeverPull with the diagnosis, not at the deadline', async () => {
    const never = pod('web-7f9c-abcde', { reason: 'ErrImageNeverPull', message: 'Container image "localhost/my-service:dev" is not present with pull policy of Never' });
    const server = http.createServer((req, res) => {
      const path = req.url?.split('?')[0] ?? '';
      res.setHeader('content-type', 'application/json');
      if (path.endsWith('/deployments/web')) {
        res.end(JSON.stringify({ metadata: { name: 'web', generation: 1 }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: {} }, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1 } }));
      } else if (path.endsWith('/pods')) {
        res.end(JSON.stringify({ apiVersion: 'v1', kind: 'PodList', metadata: {}, items: [never] }));
      } else if (path.endsWith('/events')) {
        res.end(JSON.stringify({ apiVersion: 'v1', kind: 'EventList', metadata: {}, items: [] }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ kind: 'Status', code: 404, message: 'not found' }));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'u' }],
      currentContext: 'fake',
    });
    const t0 = Date.now();
    try {
      const wait = waitWorkloadsReady(kc, 'ns', [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }], { deadlineMs: 300_000 });
      await expect(wait).rejects.toThrow(/cannot become Ready \(pod web-7f9c-abcde: container web ErrImageNeverPull: Container image "localhost\/my-service:dev" is not present/);
      await expect(wait).rejects.toThrow(/Deployment\/web: 1\/1 updated, 0\/1 ready/);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
