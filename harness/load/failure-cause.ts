// Why a k6 request failed, from the two tags k6 puts on every http_reqs sample: `status`
// (0 when no response came) and `error_code` (k6's own codes, lib/netext/httpext/error_codes.go).
import type { FailureCause } from '../timeline/types.ts';

/** k6 error codes that mean the peer was not there or went away, and the ones that mean waiting too long. */
const CAUSE_BY_ERROR_CODE: Record<number, FailureCause> = {
  1050: 'timeout', // request timeout
  1211: 'timeout', // dial timeout
  1212: 'refused', // dial: connection refused
  1210: 'refused', // dial: general TCP dial error (no listener reachable)
  1220: 'reset', // read: connection reset by peer
  1201: 'reset', // write: broken pipe (peer closed)
};

/**
 * Cause of one failed request. A response status decides first (5xx, 4xx); with no response
 * the k6 error code does. k6's generic code 1000 (e.g. "EOF": the server closed a kept-alive
 * connection before answering) is a reset: the peer went away mid-request.
 */
export function mapFailureCause(status: string | number | undefined, errorCode: string | number | undefined): FailureCause {
  const s = Number(status ?? 0);
  if (s >= 500 && s <= 599) return 'http5xx';
  if (s >= 400 && s <= 499) return 'http4xx';
  const code = Number(errorCode ?? NaN);
  if (Number.isFinite(code)) {
    const known = CAUSE_BY_ERROR_CODE[code];
    if (known) return known;
    if (code === 1000 && s === 0) return 'reset';
  }
  return 'other';
}
