import { describe, expect, it } from 'vitest';
import { daemonSetReadiness, deploymentReadiness, podDiagnosis, serviceReadiness } from './readiness.ts';
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
