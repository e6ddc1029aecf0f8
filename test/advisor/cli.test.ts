/** `keepalive-lab advise` as a user meets it: exit 0 when the simulation confirms the advice, 3 when it does not, 2 for bad input. */
import { describe, expect, it } from 'vitest';
import { cli as run } from '../support/cli.ts';

const cli = (...args: string[]) => run('advise', ...args);

describe('keepalive-lab advise', () => {
  it('recommends, shows the evidence and the lines to apply it; exit 0', async () => {
    const r = await cli('--nat', 'azure-natgw', '--detect', '30s', '--loss', '0.01', '--side', 'client', '--seeds', '3', '--live-hours', '1');
    expect(r.code).toBe(0);
    expect(r.out).toContain('TCP_KEEPIDLE 19 s, TCP_KEEPINTVL 1 s, TCP_KEEPCNT 5, TCP_USER_TIMEOUT 27000 ms');
    expect(r.out).toMatch(/^ {2}ok {3}dead peer noticed by the client \(idle connection\)/m);
    expect(r.out).toContain('sysctl -w net.ipv4.tcp_keepalive_time=19');
    expect(r.out).toContain('sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, 27000)');
  });

  it('exits 3 when the simulation contradicts the settings (--check 300/10/3 behind a 240 s NAT)', async () => {
    const r = await cli('--nat', 'azure-natgw', '--detect', '600s', '--check', '300/10/3', '--side', 'client', '--seeds', '2', '--live-hours', '1');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/MISS idle connection survives the NAT \(240 s idle timeout\)\s+target every run; measured 0\/2 runs/);
    expect(r.err).toBe('1 simulated check(s) missed their target\n');
  });

  it.each([
    [['--detect', '0'], 'error: --detect: 0 is out of range 1..86400 s'],
    [['--detect', '30', '--os', 'beos'], 'error: --os: "beos" is not an OS profile (linux, macos, freebsd, windows, or all)'],
    [['--detect', '30', '--nat', 'cisco'], 'error: --nat: "cisco" is not a NAT profile'],
    [['--detect', '30', '--check', '60/10/200'], 'error: --check: "60/10/200" : TCP_KEEPCNT 200 is out of range 1..127'],
    [['--detect', '30', '--proxy', 'aws-alb', '--nat', 'aws-natgw'], 'error: --proxy: a path has one middlebox'],
    [['--detect', '30', '--loss', '0.9'], 'error: --loss: 0.9 is out of range 0..0.5'],
    [['--detect', '30', '--loss', 'lots'], 'error: --loss: "lots" is not a number (0..0.5)'],
    [['--detect', '30', '--nat', 'aws-natgwx'], 'error: --nat: "aws-natgwx" is not a NAT profile (did you mean "aws-natgw"?)'],
  ])('bad input %j: one line naming the flag, exit 2', async (args, msg) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.err.startsWith(msg)).toBe(true);
    expect(r.out).toBe('');
  });
});
