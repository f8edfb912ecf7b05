// Checks, counted twice on purpose: k6's `checks` Rate goes to Prometheus only as a cumulative
// ratio (no counts), so each check also adds to a Counter the harness can sum per second. Both
// come from the same call, so the harness's check totals equal k6's summary exactly.
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const checkResults = new Counter('harness_checks');

export function checked(name: string, ok: boolean): boolean {
  check(null, { [name]: () => ok });
  checkResults.add(1, { result: ok ? 'pass' : 'fail' });
  return ok;
}
