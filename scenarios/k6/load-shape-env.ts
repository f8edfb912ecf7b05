// Reads the LoadShape the harness passed in the environment (init context).
import type { LoadShape } from './shape.ts';
import { SHAPE_ENV } from './shape.ts';

export function readShape(): LoadShape {
  const raw = __ENV[SHAPE_ENV];
  if (!raw) throw new Error(`${SHAPE_ENV} is not set: run this script through the harness (npm run load)`);
  return JSON.parse(raw) as LoadShape;
}
