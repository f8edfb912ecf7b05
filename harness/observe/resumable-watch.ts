// List + watch of one resource in one namespace, kept as a store of the last state seen of
// every object, so each change can be diffed against what came before it.
// - A dropped connection resumes the watch from the last resourceVersion seen: the API server
//   replays every event after it, so nothing is lost and nothing repeats.
// - 410 Gone (that version was compacted) relists and diffs the list against the store: an
//   object changed meanwhile is reported once (previous state -> current state), one missing
//   from the list is reported deleted. Objects whose resourceVersion did not move are skipped,
//   so a relist or a resync never records a transition twice.

export interface KubeMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  [k: string]: unknown;
}

export interface RawObject {
  metadata?: KubeMeta;
  [k: string]: unknown;
}

export interface ListAnswer<T> {
  items: T[];
  resourceVersion: string;
}

export interface WatchHandle {
  /** Close the connection (as a network drop would, from the client's side). */
  abort(): void;
}

/** The two API calls a watch needs; the real one is built on k8s.Watch, tests pass recordings. */
export interface WatchSource<T> {
  list(): Promise<ListAnswer<T>>;
  watch(
    resourceVersion: string,
    onEvent: (type: string, obj: unknown) => void,
    onDone: (err: unknown) => void,
  ): Promise<WatchHandle>;
}

/**
 * One change of one object. `deleted` is true when it went away; then `next` is its last state
 * (the DELETED event's object, or `prev` when a relist found it gone).
 */
export type ChangeHandler<T> = (prev: T | undefined, next: T, deleted: boolean) => void;

export interface WatchStats {
  events: number;
  resumes: number;
  relists: number;
  errors: string[];
}

function keyOf(o: RawObject): string {
  return o.metadata?.uid ?? `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

function statusCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { statusCode?: unknown; code?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  if (typeof e.code === 'number') return e.code;
  return undefined;
}

export class ResumableWatch<T extends RawObject> {
  readonly stats: WatchStats = { events: 0, resumes: 0, relists: 0, errors: [] };
  private readonly store = new Map<string, T>();
  private resourceVersion = '';
  private handle: WatchHandle | undefined;
  private stopped = false;
  private needRelist = false;
  private generation = 0;
  private retryMs: number;
  private openedAt = 0;

  constructor(
    readonly name: string,
    private readonly source: WatchSource<T>,
    private readonly onChange: ChangeHandler<T>,
    private readonly opts: { retryMs?: number; log?: (line: string) => void } = {},
  ) {
    this.retryMs = opts.retryMs ?? 500;
  }

  /** Initial list (its objects are reported as changes from nothing), then the watch. */
  async start(): Promise<void> {
    await this.relist();
    await this.openWatch();
  }

  stop(): void {
    this.stopped = true;
    this.handle?.abort();
    this.handle = undefined;
  }

  /** Objects as last seen. */
  objects(): T[] {
    return [...this.store.values()];
  }

  /** Test hook: drop the connection. `expire` also forgets the resourceVersion, as a 410 would. */
  dropConnection(opts: { expire?: boolean } = {}): void {
    if (opts.expire) this.needRelist = true;
    this.handle?.abort();
  }

  /** Diff a full list against the store (exported for the 410 path and for tests). */
  applyList(list: ListAnswer<T>): void {
    const seen = new Set<string>();
    for (const item of list.items) {
      const k = keyOf(item);
      seen.add(k);
      this.upsert(item);
    }
    for (const [k, prev] of [...this.store]) {
      if (seen.has(k)) continue;
      this.store.delete(k);
      this.onChange(prev, prev, true);
    }
    this.resourceVersion = list.resourceVersion;
  }

  /** Apply one watch event (exported for tests). */
  applyEvent(type: string, obj: unknown): void {
    const o = obj as T & { code?: number; message?: string };
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
        this.stats.events++;
        this.retryMs = this.opts.retryMs ?? 500;
        this.upsert(o);
        break;
      case 'DELETED': {
        this.stats.events++;
        const k = keyOf(o);
        const prev = this.store.get(k);
        this.store.delete(k);
        this.onChange(prev, o, true);
        break;
      }
      case 'BOOKMARK':
        break;
      case 'ERROR':
        // A Status object: 410 means our resourceVersion is too old to resume from.
        if (o.code === 410) this.needRelist = true;
        this.stats.errors.push(`${this.name}: watch ERROR ${o.code ?? ''} ${o.message ?? ''}`.trim());
        this.handle?.abort();
        return;
      default:
        return;
    }
    const rv = o.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
  }

  private upsert(item: T): void {
    const k = keyOf(item);
    const prev = this.store.get(k);
    if (prev && prev.metadata?.resourceVersion === item.metadata?.resourceVersion) return;
    this.store.set(k, item);
    this.onChange(prev, item, false);
  }

  private async relist(): Promise<void> {
    const list = await this.source.list();
    if (this.resourceVersion !== '' || this.store.size > 0) this.stats.relists++;
    this.needRelist = false;
    this.applyList(list);
  }

  private async openWatch(): Promise<void> {
    if (this.stopped) return;
    const gen = ++this.generation;
    this.openedAt = Date.now();
    this.handle = await this.source.watch(
      this.resourceVersion,
      (type, obj) => {
        if (gen === this.generation && !this.stopped) this.applyEvent(type, obj);
      },
      (err) => {
        if (gen !== this.generation) return;
        void this.reconnect(err);
      },
    );
    if (this.stopped) this.handle.abort();
  }

  private async reconnect(err: unknown): Promise<void> {
    if (this.stopped) return;
    if (statusCode(err) === 410) this.needRelist = true;
    // A connection that lived a while was healthy: its drop starts a fresh backoff.
    if (Date.now() - this.openedAt >= 1000) this.retryMs = this.opts.retryMs ?? 500;
    if (err) {
      // An error (not the server's normal close): back off so a dead API server is not hammered.
      await new Promise((r) => setTimeout(r, this.retryMs));
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    }
    for (;;) {
      if (this.stopped) return;
      try {
        if (this.needRelist) await this.relist();
        else this.stats.resumes++;
        await this.openWatch();
        return;
      } catch (e) {
        if (statusCode(e) === 410) this.needRelist = true;
        const msg = `${this.name}: reconnect failed: ${(e as Error).message ?? String(e)}`;
        this.stats.errors.push(msg);
        this.opts.log?.(msg);
        await new Promise((r) => setTimeout(r, this.retryMs));
        this.retryMs = Math.min(this.retryMs * 2, 5000);
      }
    }
  }
}
