// WebSocket stream: one long-lived session per VU (ramping-vus follows the planned session
// count). Each session sends timestamped messages at the planned rate and measures the echo;
// every close is counted by its code, with the session's age; the VU's next iteration is the
// reconnect, timed from the close.
import { WebSocket } from 'k6/websockets';
import { setInterval, clearInterval, setTimeout, clearTimeout } from 'k6/timers';
import exec from 'k6/execution';
import { sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { checked } from './checks.ts';
import { readShape } from './load-shape-env.ts';
import { stagesDurationS } from './shape.ts';

const shape = readShape().ws;

const opened = new Counter('ws_opened');
const connectFailed = new Counter('ws_connect_failed');
const closes = new Counter('ws_closes');
const echoLatency = new Trend('ws_echo_latency', true);
const sessionAge = new Trend('ws_session_age', true);
const reconnectTime = new Trend('ws_reconnect_time', true);
// What the client holds: an attempt begins at connect and ends at the close of its session, or
// after the back-off that follows a failed connect. Begun − ended is the sessions k6 is holding or
// reopening, the client side of the planned level; the server's cuts show in the closes.
const attempts = new Counter('ws_attempts');
const attemptsEnded = new Counter('ws_attempts_ended');

// Per VU: when its previous session closed, so the next open can report time to reconnect.
let lastCloseAt: number | null = null;

// WebSocket.readyState value of an open socket (the types export ReadyState only as a type).
const OPEN = 1;

interface CloseLike {
  code?: number;
}

export function wsSession(): void {
  if (!shape) return;
  const ws = shape;
  // Close cleanly just before the stream ends so every session's close is recorded.
  const streamEnd = exec.scenario.startTime + stagesDurationS(ws.stages) * 1000 - 250;
  const untilEnd = streamEnd - Date.now();
  // Too late for a new session: idle out the stream's last moment instead of spinning empty iterations.
  if (untilEnd <= 0) {
    sleep(0.5);
    return;
  }

  attempts.add(1);
  const socket = new WebSocket(ws.url);
  let openedAt: number | null = null;
  let ticker: ReturnType<typeof setInterval> | null = null;
  let endTimer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;

  socket.addEventListener('open', () => {
    openedAt = Date.now();
    opened.add(1);
    if (lastCloseAt !== null) reconnectTime.add(openedAt - lastCloseAt);
    if (ws.messagesPerSecond > 0) {
      ticker = setInterval(() => {
        // The server may have started closing between ticks: a send then throws and would
        // kill the iteration before its close is recorded.
        if (socket.readyState !== OPEN) return;
        seq += 1;
        try {
          socket.send(JSON.stringify({ t: Date.now(), n: seq }));
        } catch {
          /* closing: the close listener records the outcome */
        }
      }, 1000 / ws.messagesPerSecond);
    }
    endTimer = setTimeout(() => socket.close(1000, 'load end'), untilEnd);
  });

  socket.addEventListener('message', (event) => {
    const data = (event as { data?: unknown }).data;
    if (typeof data !== 'string') return;
    try {
      const sent = (JSON.parse(data) as { t?: number }).t;
      checked('ws echo', typeof sent === 'number');
      if (typeof sent === 'number') echoLatency.add(Date.now() - sent);
    } catch {
      checked('ws echo', false);
    }
  });

  // Errors are followed by 'close'; the listener must not throw or k6 skips the close listeners.
  socket.addEventListener('error', () => undefined);

  socket.addEventListener('close', (event) => {
    if (ticker !== null) clearInterval(ticker);
    if (endTimer !== null) clearTimeout(endTimer);
    const now = Date.now();
    if (openedAt === null) {
      connectFailed.add(1);
      // Back off before the next attempt: a dead server must not get a tight connect loop.
      setTimeout(() => attemptsEnded.add(1), ws.retryDelayMs);
      return;
    }
    attemptsEnded.add(1);
    // No close frame (socket dropped) is 1006, "abnormal closure", as browsers report it.
    const code = String((event as unknown as CloseLike).code ?? 1006);
    closes.add(1, { code });
    sessionAge.add(now - openedAt, { code });
    lastCloseAt = now;
  });
}
