import { describe, expect, it } from 'vitest';
import { foreignImages } from './keda-addon.ts';

const deploy = (image: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: c, image: "${image}"}\n`;

describe('foreignImages', () => {
  it('accepts the three images built here', () => {
    const m = ['localhost/keda:v2.21.0', 'localhost/keda-metrics-apiserver:v2.21.0', 'localhost/keda-admission-webhooks:v2.21.0'].map(deploy).join('---\n');
    expect(foreignImages(`${m}---\napiVersion: v1\nkind: Namespace\nmetadata: {name: keda}\n`)).toEqual([]);
  });
  it('names an image the kustomization did not rewrite', () => {
    expect(foreignImages([deploy('localhost/keda:v2.21.0'), deploy('ghcr.io/kedacore/keda-metrics-apiserver:main')].join('---\n'))).toEqual(['ghcr.io/kedacore/keda-metrics-apiserver:main']);
  });
});
