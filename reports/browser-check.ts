// Opens a page in headless Chromium (Debian's) over the DevTools protocol and reports what a
// person would notice: console errors, uncaught exceptions, network requests (a self-contained
// report makes none), and a screenshot. Used by the report's browser test; bounded throughout.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { exec } from '../harness/base/exec.ts';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export interface PageCheckOptions {
  chromium?: string;
  /** Whole check, browser start to close. */
  timeoutMs?: number;
  width?: number;
  /** CSS selectors to screenshot one by one (in addition to the full page). */
  sections?: string[];
  /** JavaScript expressions evaluated after load; results returned by name. */
  evaluate?: Record<string, string>;
}

export interface PageCheck {
  consoleErrors: string[];
  pageErrors: string[];
  /** Every URL the page requested (the page itself included). */
  requests: string[];
  failedLoads: string[];
  screenshot: Buffer;
  sections: Record<string, Buffer>;
  values: Record<string, unknown>;
  ms: number;
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, any>;
  result?: Record<string, any>;
  error?: { message: string };
  sessionId?: string;
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--hide-scrollbars',
  '--remote-debugging-port=0',
  '--remote-allow-origins=*',
];

export function chromiumPath(): string {
  return process.env['CHROMIUM_PATH'] ?? DEFAULT_CHROMIUM;
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`chromium: ${what} took longer than ${ms} ms`)), ms);
    }),
  ]);
}

export async function checkPageInChromium(url: string, opts: PageCheckOptions = {}): Promise<PageCheck> {
  const started = Date.now();
  const bin = opts.chromium ?? chromiumPath();
  if (!existsSync(bin)) throw new Error(`chromium not found at ${bin}: install Debian's 'chromium' package (apt-get install chromium) or set CHROMIUM_PATH`);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const left = () => Math.max(1000, timeoutMs - (Date.now() - started));
  const profile = await mkdtemp(join(tmpdir(), 'kch-chromium-'));
  const stop = new AbortController();
  let onEndpoint: (u: string) => void = () => {};
  const endpoint = new Promise<string>((resolve) => (onEndpoint = resolve));
  const browser = exec(bin, [...FLAGS, `--user-data-dir=${profile}`, 'about:blank'], {
    timeoutMs,
    nothrow: true,
    signal: stop.signal,
    onLine: (line) => {
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(line);
      if (m) onEndpoint(m[1]!);
    },
  });
  const exited = browser.then((r) => {
    throw new Error(`chromium exited before its DevTools endpoint was up (code ${r.code}): ${r.stderr.slice(-500)}`);
  });
  exited.catch(() => undefined); // observed through the race below; after a clean stop nobody waits on it
  let ws: WebSocket | null = null;
  try {
    const wsUrl = await withDeadline(Promise.race([endpoint, exited]), left(), 'start');
    ws = new WebSocket(wsUrl);
    const sock = ws;
    await withDeadline(new Promise<void>((resolve, reject) => (sock.once('open', () => resolve()), sock.once('error', reject))), left(), 'connect');

    let nextId = 1;
    const pending = new Map<number, { resolve: (r: Record<string, any>) => void; reject: (e: Error) => void; method: string }>();
    const listeners: ((m: CdpMessage) => void)[] = [];
    sock.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as CdpMessage;
      if (msg.id !== undefined) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(`chromium ${p.method}: ${msg.error.message}`));
        else p?.resolve(msg.result ?? {});
      } else for (const l of listeners) l(msg);
    });
    const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
      withDeadline(
        new Promise<Record<string, any>>((resolve, reject) => {
          const id = nextId++;
          pending.set(id, { resolve, reject, method });
          sock.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
        }),
        left(),
        method,
      );

    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    const out: PageCheck = { consoleErrors: [], pageErrors: [], requests: [], failedLoads: [], screenshot: Buffer.alloc(0), sections: {}, values: {}, ms: 0 };
    let loaded: () => void = () => {};
    const load = new Promise<void>((resolve) => (loaded = resolve));
    listeners.push((m) => {
      if (m.sessionId !== sessionId || !m.params) return;
      const p = m.params;
      if (m.method === 'Runtime.consoleAPICalled' && (p['type'] === 'error' || p['type'] === 'assert')) {
        out.consoleErrors.push(`console.${p['type']}: ${(p['args'] as { value?: unknown; description?: string }[]).map((a) => String(a.value ?? a.description ?? '')).join(' ')}`);
      } else if (m.method === 'Runtime.exceptionThrown') {
        const d = p['exceptionDetails'] as { text?: string; exception?: { description?: string } };
        out.pageErrors.push(d.exception?.description ?? d.text ?? 'uncaught exception');
      } else if (m.method === 'Log.entryAdded' && p['entry']?.level === 'error') {
        out.consoleErrors.push(`${p['entry'].source}: ${p['entry'].text}${p['entry'].url ? ` (${p['entry'].url})` : ''}`);
      } else if (m.method === 'Network.requestWillBeSent') {
        out.requests.push(String(p['request']?.url));
      } else if (m.method === 'Network.loadingFailed') {
        out.failedLoads.push(`${p['errorText']}${p['blockedReason'] ? ` (${p['blockedReason']})` : ''}`);
      } else if (m.method === 'Page.loadEventFired') {
        loaded();
      }
    });
    for (const domain of ['Runtime', 'Log', 'Page', 'Network']) await send(`${domain}.enable`, {}, sessionId);
    const width = opts.width ?? 1200;
    await send('Emulation.setDeviceMetricsOverride', { width, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
    const nav = await send('Page.navigate', { url }, sessionId);
    if (nav['errorText']) throw new Error(`chromium could not open ${url}: ${nav['errorText']}`);
    await withDeadline(load, left(), `loading ${url}`);
    await new Promise((r) => setTimeout(r, 200)); // late console output after load

    for (const [name, expression] of Object.entries(opts.evaluate ?? {})) {
      const r = await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId);
      out.values[name] = r['result']?.value;
    }
    const metrics = await send('Page.getLayoutMetrics', {}, sessionId);
    const height = Math.min(16_000, Math.ceil(metrics['cssContentSize']?.height ?? 900));
    await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false }, sessionId);
    const shot = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, sessionId);
    out.screenshot = Buffer.from(String(shot['data']), 'base64');
    for (const selector of opts.sections ?? []) {
      const r = await send(
        'Runtime.evaluate',
        { expression: `(() => { const e = document.querySelector(${JSON.stringify(selector)}); if (!e) return null; const b = e.getBoundingClientRect(); return { x: b.left + scrollX, y: b.top + scrollY, width: b.width, height: b.height }; })()`, returnByValue: true },
        sessionId,
      );
      const box = r['result']?.value as { x: number; y: number; width: number; height: number } | null;
      if (!box) throw new Error(`chromium: no element matches ${selector} in ${url}`);
      const part = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { ...box, scale: 1 } }, sessionId);
      out.sections[selector] = Buffer.from(String(part['data']), 'base64');
    }
    await send('Browser.close').catch(() => undefined);
    out.ms = Date.now() - started;
    return out;
  } finally {
    ws?.close();
    stop.abort();
    await browser.catch(() => undefined);
    await rm(profile, { recursive: true, force: true });
  }
}
