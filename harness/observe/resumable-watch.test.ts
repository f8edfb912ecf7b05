import { describe, expect, it } from 'vitest';
import { ResumableWatch, type ListAnswer, type RawObject, type WatchSource } from './resumable-watch.ts';

interface Obj extends RawObject {
  metadata: { name: string; uid: string; resourceVersion: string };
  v: number;
}
const obj = (name: string, rv: string, v: number): Obj => ({ metadata: { name, uid: `u-${name}`, resourceVersion: rv }, v });

/** A scripted API server: the list it answers, the watches opened (with their resourceVersion). */
function fakeSource(list: () => ListAnswer<Obj>) {
  const opened: { rv: string; emit: (t: string, o: unknown) => void; done: (err: unknown) => void; aborted: boolean }[] = [];
  const source: WatchSource<Obj> = {
    list: async () => list(),
    watch: async (rv, onEvent, onDone) => {
      const w = { rv, emit: onEvent, done: onDone, aborted: false };
      opened.push(w);
      return { abort: () => { w.aborted = true; onDone(new Error('aborted')); } };
    },
  };
  return { source, opened };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('ResumableWatch', () => {
  it('resumes from the last resourceVersion after a dropped connection: nothing lost, nothing twice', async () => {
    const changes: string[] = [];
    const { source, opened } = fakeSource(() => ({ items: [obj('a', '1', 0)], resourceVersion: '10' }));
    const w = new ResumableWatch('t', source, (p, n, d) => changes.push(`${n.metadata!.name}:${p ? (p as Obj).v : '-'}->${(n as Obj).v}${d ? ':deleted' : ''}`), { retryMs: 1 });
    await w.start();
    expect(opened[0]!.rv).toBe('10');
    opened[0]!.emit('MODIFIED', obj('a', '11', 1));
    w.dropConnection();
    await tick();
    expect(opened[1]!.rv).toBe('11');
    // The server replays nothing older than 11; a duplicate of 11 (same rv) is ignored.
    opened[1]!.emit('MODIFIED', obj('a', '11', 1));
    opened[1]!.emit('MODIFIED', obj('a', '12', 2));
    opened[1]!.emit('DELETED', obj('a', '13', 2));
    expect(changes).toEqual(['a:-->0', 'a:0->1', 'a:1->2', 'a:2->2:deleted']);
    expect(w.stats.resumes).toBe(1);
    w.stop();
  });

  it('on 410 Gone relists and diffs: changed objects once, vanished ones deleted, unchanged ones silent', async () => {
    const changes: string[] = [];
    let answer: ListAnswer<Obj> = { items: [obj('a', '1', 0), obj('b', '2', 0), obj('c', '3', 0)], resourceVersion: '10' };
    const { source, opened } = fakeSource(() => answer);
    const w = new ResumableWatch('t', source, (p, n, d) => changes.push(`${n.metadata!.name}:${p ? (p as Obj).v : '-'}->${(n as Obj).v}${d ? ':deleted' : ''}`), { retryMs: 1 });
    await w.start();
    changes.length = 0;
    // While away: a changed, b deleted, c untouched, d created.
    answer = { items: [obj('a', '20', 5), obj('c', '3', 0), obj('d', '21', 0)], resourceVersion: '22' };
    opened[0]!.emit('ERROR', { kind: 'Status', code: 410, message: 'too old resource version' });
    await tick();
    expect(changes.sort()).toEqual(['a:0->5', 'b:0->0:deleted', 'd:-->0']);
    expect(opened.at(-1)!.rv).toBe('22');
    expect(w.stats.relists).toBe(1);
    w.stop();
  });

  it('relists when reopening the watch answers HTTP 410', async () => {
    let lists = 0;
    const { source, opened } = fakeSource(() => ({ items: [], resourceVersion: String(++lists * 10) }));
    const w = new ResumableWatch('t', source, () => {}, { retryMs: 1 });
    await w.start();
    opened[0]!.done(Object.assign(new Error('Gone'), { statusCode: 410 }));
    await tick();
    expect(lists).toBe(2);
    expect(opened.at(-1)!.rv).toBe('20');
    w.stop();
  });
});
