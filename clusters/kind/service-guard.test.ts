import { describe, expect, it } from 'vitest';
import { serviceGuardScript } from './service-guard.ts';

describe('service guard', () => {
  it('rejects new un-rewritten connections to the service subnet in OUTPUT and FORWARD (never an INVALID packet of a live one), TCP with a reset, each rule only once', () => {
    const script = serviceGuardScript('10.96.0.0/16');
    const inserts = script.match(/iptables -I \S+ \d -d 10\.96\.0\.0\/16[^)]*/g) ?? [];
    expect(inserts).toEqual([
      'iptables -I OUTPUT 1 -d 10.96.0.0/16 -p tcp -m conntrack --ctstate NEW -j REJECT --reject-with tcp-reset',
      'iptables -I OUTPUT 2 -d 10.96.0.0/16 -m conntrack --ctstate NEW -j REJECT',
      'iptables -I FORWARD 1 -d 10.96.0.0/16 -p tcp -m conntrack --ctstate NEW -j REJECT --reject-with tcp-reset',
      'iptables -I FORWARD 2 -d 10.96.0.0/16 -m conntrack --ctstate NEW -j REJECT',
    ]);
    // every insert is guarded by a check of the same rule (idempotent on a reused cluster)
    for (const ins of inserts) expect(script).toContain(`${ins.replace(/-I (\S+) \d/, '-C $1')} 2>/dev/null || ${ins}`);
  });

  it('refuses a subnet that is not an IPv4 CIDR (it goes into a shell line)', () => {
    expect(() => serviceGuardScript('10.96.0.0/16; reboot')).toThrow(/not an IPv4 CIDR/);
    expect(() => serviceGuardScript('fd00::/108')).toThrow(/not an IPv4 CIDR/);
  });
});
