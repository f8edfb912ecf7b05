// Fault plans (pure): the exact commands that apply a network or node fault, undo it, and arm
// its dead-man's switch, so they are unit-tested and printed as they will run. A network fault
// is one iptables chain in the pod's network namespace (hooked from OUTPUT, and INPUT for a
// partition); latency queues the chain's packets (NFQUEUE, --queue-bypass) to nfq-delay, which
// accepts each after delay ± jitter: this VM's kernel has no sch_netem and no loadable modules,
// so `tc netem` cannot run here. Every step of an undo is idempotent, so the harness and the
// dead-man's switch may both run it.
import { createHash } from 'node:crypto';
import type { NetworkFault } from '../../scenarios/model.ts';

/** The dead-man's switch fires this long after the planned end of a fault (harness undo normally wins). */
export const DEAD_MAN_GRACE_S = 30;
/** Where nfq-delay lives inside a kind node. */
export const NODE_BIN_DIR = '/usr/local/bin';

/** A short tag unique to one action of one run: names the chain, the queue and the pid file. */
export function faultTag(chaosId: string, startedAt: number): string {
  return createHash('sha256').update(`${chaosId}@${startedAt}`).digest('hex').slice(0, 8);
}

export interface NetworkFaultPlanInput {
  tag: string;
  fault: NetworkFault;
  /** Addresses of the peer (pod IPs and Service ClusterIPs); empty = all traffic but loopback. */
  peerIps: string[];
  durationS: number;
  /** The pod sandbox's pid as the node sees it (its network namespace). */
  pid: number;
  /** nfq-delay's path inside the node. */
  delayBinary: string;
}

export interface NetworkFaultPlan {
  chain: string;
  queue: number | null;
  /** Run in the node: `sh -c <apply>`; fails when a rule cannot be added. */
  apply: string;
  /** Run in the node, detached, before `apply` (latency only): the delay line, bounded by -for. */
  delayLine: string | null;
  /** Run in the node: removes the chain and stops the delay line; safe to repeat. */
  undo: string;
  /** Run in the node, detached: `sleep`, then `undo`. */
  deadMan: string;
  /** Seconds after apply at which the dead-man's switch undoes the fault. */
  deadManAfterS: number;
  /** Prints the chain (rules present) and exits non-zero when it is absent. */
  check: string;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:,=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function planNetworkFault(i: NetworkFaultPlanInput): NetworkFaultPlan {
  if (!/^[0-9a-f]{8}$/.test(i.tag)) throw new Error(`fault tag must be 8 hex digits, got ${JSON.stringify(i.tag)}`);
  if (!Number.isInteger(i.pid) || i.pid <= 1) throw new Error(`pid must be a pod sandbox's pid (> 1), got ${i.pid}`);
  if (!(i.durationS > 0)) throw new Error(`durationS must be > 0, got ${i.durationS}`);
  for (const ip of i.peerIps) if (!IPV4.test(ip)) throw new Error(`peer address ${JSON.stringify(ip)} is not an IPv4 address`);
  if (i.fault.kind === 'partition' && i.peerIps.length === 0) throw new Error('a partition needs the peer\'s addresses (none were found)');
  const chain = `KCH-${i.tag}`;
  const ns = `nsenter -t ${i.pid} -n`;
  const ipt = `${ns} iptables -w 5`;
  const peers = i.peerIps.length ? [...new Set(i.peerIps)].sort().join(',') : null;
  const out = peers ? ` -d ${peers}` : '';
  const queue = i.fault.kind === 'latency' ? 1000 + (parseInt(i.tag, 16) % 60_000) : null;
  const deadManAfterS = Math.ceil(i.durationS) + DEAD_MAN_GRACE_S;
  const pidFile = `/run/kch-fault-${i.tag}.pid`;

  const rules: string[] = [];
  if (!peers) rules.push(`${ipt} -A ${chain} -o lo -j RETURN`);
  switch (i.fault.kind) {
    case 'latency':
      rules.push(`${ipt} -A ${chain}${out} -j NFQUEUE --queue-num ${queue} --queue-bypass`);
      break;
    case 'loss':
      rules.push(`${ipt} -A ${chain}${out} -m statistic --mode random --probability ${(i.fault.percent / 100).toFixed(4)} -j DROP`);
      break;
    case 'partition':
      rules.push(`${ipt} -A ${chain} -d ${peers} -j DROP`, `${ipt} -A ${chain} -s ${peers} -j DROP`);
      break;
  }
  const hooks = i.fault.kind === 'partition' ? ['OUTPUT', 'INPUT'] : ['OUTPUT'];
  const apply = ['set -e', `${ipt} -N ${chain}`, ...rules, ...hooks.map((h) => `${ipt} -I ${h} 1 -j ${chain}`)].join('\n');

  let delayLine: string | null = null;
  if (i.fault.kind === 'latency') {
    const d = i.fault.delayMs;
    const j = i.fault.jitterMs ?? 0;
    // `exec` twice keeps the pid written to the pid file: sh → nsenter → nfq-delay.
    delayLine = `echo $$ > ${pidFile}; exec ${ns} ${shellQuote(i.delayBinary)} -queue ${queue} -delay ${d}ms -jitter ${j}ms -for ${deadManAfterS}s`;
  }
  const undo = [
    // The netns is gone with the pod: nothing to undo there.
    `if [ -e /proc/${i.pid}/ns/net ]; then`,
    ...['OUTPUT', 'INPUT'].map((h) => `  while ${ipt} -D ${h} -j ${chain} 2>/dev/null; do :; done`),
    `  ${ipt} -F ${chain} 2>/dev/null; ${ipt} -X ${chain} 2>/dev/null`,
    'fi',
    // The delay line lets its queued packets through before it exits (delay + jitter); after 3 s, SIGKILL.
    `if [ -f ${pidFile} ]; then p="$(cat ${pidFile})"; kill "$p" 2>/dev/null; i=0`,
    `  while kill -0 "$p" 2>/dev/null && [ "$i" -lt 30 ]; do sleep 0.1; i=$((i + 1)); done`,
    `  kill -9 "$p" 2>/dev/null; rm -f ${pidFile}`,
    'fi',
    'true',
  ].join('\n');
  return {
    chain,
    queue,
    apply,
    delayLine,
    undo,
    deadMan: `sleep ${deadManAfterS}\n${undo}`,
    deadManAfterS,
    check: `${ipt} -S ${chain}`,
  };
}

export interface NodeFailPlan {
  /** argv for the engine on the host. */
  fail: string[];
  restore: string[];
  /** Host shell script, run detached in its own session: sleep, then restore. */
  deadMan: string;
  deadManAfterS: number;
}

export function planNodeFail(engine: 'docker' | 'podman', container: string, durationS: number): NodeFailPlan {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(container)) throw new Error(`node container name ${JSON.stringify(container)} is not a container name`);
  if (!(durationS > 0)) throw new Error(`durationS must be > 0, got ${durationS}`);
  const deadManAfterS = Math.ceil(durationS) + DEAD_MAN_GRACE_S;
  // Only a paused container is unpaused: a node someone stopped or removed meanwhile is left alone.
  const restoreIfPaused = `[ "$(${engine} inspect -f '{{.State.Status}}' ${container} 2>/dev/null)" = paused ] && ${engine} unpause ${container}`;
  return {
    fail: ['pause', container],
    restore: ['unpause', container],
    deadMan: `sleep ${deadManAfterS}; ${restoreIfPaused}; true`,
    deadManAfterS,
  };
}
