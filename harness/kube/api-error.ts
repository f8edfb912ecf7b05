// What the API answered, in one line, whatever the client threw (ApiException, fetch error, Status).

/** HTTP status of an API error, or undefined for transport errors. */
export function apiCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** The Status message the API sent, else the error message. */
export function apiMessage(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const e = err as { body?: unknown; message?: unknown };
  let body = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return (body as string).slice(0, 300);
    }
  }
  if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  const msg = typeof e.message === 'string' ? e.message : String(err);
  // ApiException messages embed the whole response; keep them to one screen line.
  return msg.split('\n')[0]!.slice(0, 300);
}

export function isNotFound(err: unknown): boolean {
  return apiCode(err) === 404;
}
