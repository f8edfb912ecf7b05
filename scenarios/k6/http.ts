// HTTP stream: one GET per arrival-rate iteration, tagged with the plan stage it falls in.
import http from 'k6/http';
import exec from 'k6/execution';
import { checked } from './checks.ts';
import { readShape } from './load-shape-env.ts';
import { stageAt } from './shape.ts';

const shape = readShape().http;

export function httpRequest(): void {
  if (!shape) return;
  const elapsedS = (Date.now() - exec.scenario.startTime) / 1000;
  const res = http.get(shape.url, { timeout: `${shape.timeoutS}s`, tags: { stage: stageAt(shape.stages, elapsedS) } });
  checked('http 2xx', res.status >= 200 && res.status < 300);
}
