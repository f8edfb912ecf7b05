// Fault plans: the exact commands that apply, undo and bound node and network faults.
import { describe, expect, it } from 'vitest';
import { DEAD_MAN_GRACE_S, faultTag, planNetworkFault, planNodeFail } from './fault-plan.ts';
import { parseKindProviderId } from './kind-node.ts';
import { nodeFailAllowed, nodeState, sameState } from './node-fail.ts';

const base = { tag: 'a1b2c3d4', peerIps: [] as string[], durationS: 60, pid: 4242, delayBinary: '/usr/local/bin/kch-nfq-delay-x' };

describe('network fault plan', () => {
  it('latency: a chain hooked first in OUTPUT, loopback exempt, packets queued with bypass to a bounded delay line', () => {
    const p = planNetworkFault({ ...base, fault: { kind: 'latency', delayMs: 200, jitterMs: 20 } });
    expect(p.chain).toBe('KCH-a1b2c3d4');
    expect(p.queue).toBe(1000 + (0xa1b2c3d4 % 60_000));
    expect(p.apply.split('\n')).toEqual([
      'set -e',
      'nsenter -t 4242 -n iptables -w 5 -N KCH-a1b2c3d4',
      'nsenter -t 4242 -n iptables -w 5 -A KCH-a1b2c3d4 -o lo -j RETURN',
      `nsenter -t 4242 -n iptables -w 5 -A KCH-a1b2c3d4 -j NFQUEUE --queue-num ${p.queue} --queue-bypass`,
      'nsenter -t 4242 -n iptables -w 5 -I OUTPUT 1 -j KCH-a1b2c3d4',
    ]);
    expect(p.delayLine).toBe(
      `echo $$ > /run/kch-fault-a1b2c3d4.pid; exec nsenter -t 4242 -n /usr/local/bin/kch-nfq-delay-x -queue ${p.queue} -delay 200ms -jitter 20ms -for ${60 + DEAD_MAN_GRACE_S}s`,
    );
    expect(p.deadManAfterS).toBe(60 + DEAD_MAN_GRACE_S);
    expect(p.deadMan.startsWith(`sleep ${60 + DEAD_MAN_GRACE_S}\n`)).toBe(true);
    expect(p.deadMan.endsWith(p.undo)).toBe(true);
  });

  it('undo is idempotent: every hook removed until none is left, chain flushed and deleted, delay line stopped, never failing', () => {
    const p = planNetworkFault({ ...base, fault: { kind: 'latency', delayMs: 200 } });
    expect(p.undo).toContain('if [ -e /proc/4242/ns/net ]; then');
    expect(p.undo).toContain('while nsenter -t 4242 -n iptables -w 5 -D OUTPUT -j KCH-a1b2c3d4 2>/dev/null; do :; done');
    expect(p.undo).toContain('while nsenter -t 4242 -n iptables -w 5 -D INPUT -j KCH-a1b2c3d4 2>/dev/null; do :; done');
    expect(p.undo).toContain('-X KCH-a1b2c3d4');
    expect(p.undo).toContain('p="$(cat /run/kch-fault-a1b2c3d4.pid)"; kill "$p"');
    expect(p.undo).toContain('kill -9 "$p" 2>/dev/null; rm -f /run/kch-fault-a1b2c3d4.pid');
    expect(p.undo.trim().endsWith('true')).toBe(true);
  });

  it('loss toward a peer: only the peer\'s addresses, sorted and unique, with the probability as a fraction', () => {
    const p = planNetworkFault({ ...base, peerIps: ['198.51.100.20', '198.51.100.7', '198.51.100.20'], fault: { kind: 'loss', percent: 12.5 } });
    expect(p.apply).toContain('-A KCH-a1b2c3d4 -d 198.51.100.20,198.51.100.7 -m statistic --mode random --probability 0.1250 -j DROP');
    expect(p.apply).not.toContain('-o lo');
    expect(p.delayLine).toBeNull();
    expect(p.queue).toBeNull();
  });

  it('partition: drops both ways and hooks INPUT as well as OUTPUT', () => {
    const p = planNetworkFault({ ...base, peerIps: ['198.51.100.3'], fault: { kind: 'partition' } });
    expect(p.apply).toContain('-A KCH-a1b2c3d4 -d 198.51.100.3 -j DROP');
    expect(p.apply).toContain('-A KCH-a1b2c3d4 -s 198.51.100.3 -j DROP');
    expect(p.apply).toContain('-I INPUT 1 -j KCH-a1b2c3d4');
    expect(p.apply).toContain('-I OUTPUT 1 -j KCH-a1b2c3d4');
  });

  it('refuses what it cannot bound or aim: a partition with no peer, a non-address, a bad pid or tag', () => {
    expect(() => planNetworkFault({ ...base, fault: { kind: 'partition' } })).toThrow(/partition needs the peer/);
    expect(() => planNetworkFault({ ...base, peerIps: ['db; reboot'], fault: { kind: 'loss', percent: 1 } })).toThrow(/not an IPv4 address/);
    expect(() => planNetworkFault({ ...base, pid: 1, fault: { kind: 'loss', percent: 1 } })).toThrow(/pid/);
    expect(() => planNetworkFault({ ...base, tag: 'x', fault: { kind: 'loss', percent: 1 } })).toThrow(/tag/);
    expect(() => planNetworkFault({ ...base, durationS: 0, fault: { kind: 'loss', percent: 1 } })).toThrow(/durationS/);
  });

  it('tags differ per action and per start, and are 8 hex digits', () => {
    const a = faultTag('network-fault-gateway@60s/pod-a', 1000);
    expect(a).toMatch(/^[0-9a-f]{8}$/);
    expect(faultTag('network-fault-gateway@60s/pod-b', 1000)).not.toBe(a);
    expect(faultTag('network-fault-gateway@60s/pod-a', 2000)).not.toBe(a);
  });
});

describe('node fail plan', () => {
  it('pauses and unpauses the node container; the dead-man unpauses only a still-paused node, after duration + grace', () => {
    const p = planNodeFail('podman', 'kch-worker2', 45.5);
    expect(p.fail).toEqual(['pause', 'kch-worker2']);
    expect(p.restore).toEqual(['unpause', 'kch-worker2']);
    expect(p.deadManAfterS).toBe(46 + DEAD_MAN_GRACE_S);
    expect(p.deadMan).toBe(`sleep ${46 + DEAD_MAN_GRACE_S}; [ "$(podman inspect -f '{{.State.Status}}' kch-worker2 2>/dev/null)" = paused ] && podman unpause kch-worker2; true`);
    expect(() => planNodeFail('podman', 'x; rm -rf /', 10)).toThrow(/container name/);
  });

  it('reads kind nodes from their providerID, nothing else', () => {
    expect(parseKindProviderId('kind://podman/kch/kch-worker2')).toEqual({ engine: 'podman', cluster: 'kch', node: 'kch-worker2' });
    expect(parseKindProviderId('kind://docker/kind/kind-worker')).toEqual({ engine: 'docker', cluster: 'kind', node: 'kind-worker' });
    expect(parseKindProviderId('aws:///eu-west-1a/i-0abc')).toBeNull();
    expect(parseKindProviderId(undefined)).toBeNull();
  });

  it('allows node failure only on a kind cluster the run made, or for nodes named by --allow-node-fail', () => {
    expect(nodeFailAllowed(true, 'w1')).toBe(true);
    expect(nodeFailAllowed(['w1'], 'w1')).toBe(true);
    expect(nodeFailAllowed(['w1'], 'w2')).toBe(false);
    expect(nodeFailAllowed(undefined, 'w1')).toBe(false);
    expect(nodeFailAllowed(false, 'w1')).toBe(false);
  });

  it('records node state changes only', () => {
    const node = (ready: string, taints: string[]) => ({
      metadata: { name: 'w1' },
      status: { conditions: [{ type: 'Ready', status: ready }] },
      spec: { taints: taints.map((t) => ({ key: t, effect: 'NoSchedule' })) },
    });
    const a = nodeState(node('True', []) as never, 1);
    const b = nodeState(node('Unknown', ['node.kubernetes.io/unreachable']) as never, 2);
    expect(b).toEqual({ at: 2, node: 'w1', ready: 'Unknown', taints: ['node.kubernetes.io/unreachable:NoSchedule'] });
    expect(sameState(a, nodeState(node('True', []) as never, 3))).toBe(true);
    expect(sameState(a, b)).toBe(false);
    expect(sameState(undefined, a)).toBe(false);
  });
});
