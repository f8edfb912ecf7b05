// The metrics-server manifest is applied in two parts: the APIService only after its workload.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { METRICS_SERVER_MANIFEST } from '../../deploy/addons/metrics-server/versions.ts';
import { splitManifest } from './aggregated-api.ts';

const kinds = (yaml: string) => parseAllDocuments(yaml).flatMap((d) => ((d.toJS() as { kind?: string } | null)?.kind ?? []));

describe('splitManifest', () => {
  it('keeps every object, with the APIService alone in the second part', () => {
    const text = readFileSync(METRICS_SERVER_MANIFEST, 'utf8');
    const { workload, apiService } = splitManifest(text);
    expect(kinds(apiService)).toEqual(['APIService']);
    expect(kinds(workload)).toContain('Deployment');
    expect(kinds(workload)).not.toContain('APIService');
    expect([...kinds(workload), ...kinds(apiService)].sort()).toEqual(kinds(text).sort());
  });
});
