/**
 * The command line as a user meets it: exit codes (0 ok, 2 bad input), one clear line per
 * problem naming the field and the allowed range, never a stack trace.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { tempFile as file } from '../support/needs.ts';

describe('keepalive-lab CLI', () => {
  it('lists the built-in scenarios with descriptions and the pending ones', async () => {
    const r = await cli('list');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^seed000-cable-pull\s+Keepalive from sysctls/m);
    expect(r.out).toMatch(/^seed001-nat-table\s+A NAT with a 2-entry table/m);
    expect(r.out).toMatch(/^seed003-socks5-proxy\s+Client keepalive 4\/1\/5 through a SOCKS5 proxy/m);
    expect(r.out).toMatch(/^seed003-server-heartbeat\s+Swoole server heartbeat/m);
  });

  it('runs the seed 000 cable pull: probes 5.12 s apart, RST, recv() -> ETIMEDOUT', async () => {
    const r = await cli('run', 'seed000-cable-pull');
    expect(r.code).toBe(0);
    expect(r.out).toContain('139.146441 server.22345 > client.57731: Flags [.], seq 0, ack 1, win 65535, length 0   <- keepalive probe');
    expect(r.out).toContain('149.386441 server.22345 > client.57731: Flags [R.], seq 1, ack 1');
    expect(r.out).toContain('server: recv() -> ETIMEDOUT [errno 110: Connection timed out]');
  });

  it('applies --set and the -c/-d/-i shorthands to the client socket', async () => {
    const r = await cli('run', 'seed002-probe-silence', '--json', '-d', '10', '-i', '2', '-c', '4', '--set', 'seed=7');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { seed: number; scenario: { hosts: { client: { socket: Record<string, unknown> } } }; packets: { at: string; dir: string; kind?: string }[] };
    expect(j.seed).toBe(7);
    expect(j.scenario.hosts.client.socket).toMatchObject({ SO_KEEPALIVE: true, TCP_KEEPIDLE: 10, TCP_KEEPINTVL: 2, TCP_KEEPCNT: 4 });
    const unanswered = j.packets.filter((p) => p.at === 'client' && p.dir === 'tx' && p.kind === 'keepalive');
    expect(unanswered.length).toBeGreaterThanOrEqual(4);
  });

  it('prints a netstat -o style timer table with --timers', async () => {
    const r = await cli('run', 'seed004-cable-pull', '--timers', '45s');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ESTABLISHED keepalive \(17\.87\/0\/0\)/);
  });

  it('prints a conntrack -L style NAT table with --conntrack, and the NAT as a vantage point', async () => {
    const r = await cli('run', 'seed001-nat-table', '--conntrack', '50s', '--vantage', 'client,router');
    expect(r.code).toBe(0);
    expect(r.out).toContain('== conntrack at 50.000000 (conntrack -L');
    expect(r.out).toMatch(/^router +tcp +6 7435 ESTABLISHED src=10\.0\.0\.1 dst=10\.0\.0\.2 sport=\d+ dport=8000 src=10\.0\.0\.2 dst=203\.0\.113\.1 sport=8000 dport=\d+ \[ASSURED\]$/m);
    expect(r.out).toMatch(/^\[router outside\] 1\.000000 router\.57731 > server\.8000: Flags \[S\]/m);
    expect(r.out).toContain('20.000000 router: evicted 10.0.0.1:57731 > 10.0.0.2:8000 (ESTABLISHED, idle 18.998 s): table full, policy lru');
    const j = JSON.parse((await cli('run', 'seed001-nat-table', '--json', '--conntrack', '50s')).out) as { conntrack: { t: number; rows: { state: string; assured: boolean }[] }[] };
    expect(j.conntrack[0]?.rows.map((x) => [x.state, x.assured])).toEqual([['ESTABLISHED', true], ['ESTABLISHED', true]]);
  });

  it('rejects --conntrack for a scenario without a NAT, exit 2', async () => {
    const r = await cli('run', 'seed000-select', '--conntrack', '5s');
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: --conntrack: this scenario has no NAT (path.middleboxes)\n');
  });

  it('rejects an out-of-range socket option with the field and the range, exit 2', async () => {
    const r = await cli('run', 'seed004-cable-pull', '--set', 'hosts.client.socket.TCP_KEEPCNT=200');
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: seed004-cable-pull.yaml: hosts.client.socket.TCP_KEEPCNT: 200 is out of range 1..127 (setsockopt would fail with EINVAL)\n');
    expect(r.out).toBe('');
  });

  it('reports every problem of a bad scenario file, one line each, exit 2', async () => {
    const p = file('bad.yaml', [
      'hosts:', '  client: { sysctl: { tcp_keepalive_probes: 300 } }', '  server: { hz: 123 }',
      'path: { latency: 5 parsecs }',
      'apps:', '  - host: nobody', '    steps: [ { call: connect, to: server, port: 99999 } ]',
    ].join('\n'));
    const r = await cli('run', p);
    expect(r.code).toBe(2);
    expect(r.err).toContain('hosts.client.sysctl.tcp_keepalive_probes: 300 is too large (at most 255)');
    expect(r.err).toContain('path.latency: "5 parsecs" is not a duration');
    expect(r.err).toContain('apps.0.steps.0.port: 99999 is too large (at most 65535)');
    expect(r.err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('rejects unknown files, bad YAML, bad flags and bad durations with exit 2', async () => {
    expect((await cli('run', 'no-such-scenario')).code).toBe(2);
    expect((await cli('run', file('x.yaml', 'hosts: [unclosed'))).err).toMatch(/not valid YAML/);
    expect((await cli('run', 'seed000-select', '--until', 'soon')).err).toBe('error: --until: "soon" is not a duration (e.g. 30, "30s", "1.5ms", "2h")\n');
    expect((await cli('run', 'seed000-select', '--seed', '-1')).code).toBe(2);
    expect((await cli('run', 'seed000-select', '--frobnicate')).code).toBe(2);
    expect((await cli('run', 'seed000-select', '--vantage', 'mars')).err).toContain('--vantage: no host or NAT named "mars"');
  });

  it('writes a pcapng capture with --pcap, and refuses an unknown vantage point without writing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kal-'));
    const ok = join(dir, 'client.pcapng');
    expect((await cli('run', 'seed004-cable-pull', '--pcap', ok, '--pcap-at', 'client')).code).toBe(0);
    const head = readFileSync(ok);
    expect(head.readUInt32LE(0)).toBe(0x0a0d0d0a); // pcapng section header block
    const bad = join(dir, 'bad.pcap');
    const r = await cli('run', 'seed004-cable-pull', '--pcap', bad, '--pcap-at', 'mars');
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: --pcap-at: "mars" is not a vantage point (client, server)\n'); // refused before the run
    expect(existsSync(bad)).toBe(false);
  });

  it('prints a JSON Schema for editors', async () => {
    const r = await cli('schema');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { properties: Record<string, unknown> };
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['hosts', 'path', 'apps', 'faults', 'seed', 'until']));
  });

  it('--summary keeps no trace and prints the verdict, programs, connections and keepalive counts', async () => {
    const r = await cli('run', 'seed000-cable-pull', '--summary');
    expect(r.code).toBe(0);
    expect(r.out).toContain('seed 1; ran to 220.000000 s; 109 events simulated; no trace kept (--summary)');
    expect(r.out).toContain('verdict: server got ETIMEDOUT at 149.386441 s (16.386 s after the fault)');
    expect(r.out).toContain('  server/server: 1 program; no failure: 0; learned: ETIMEDOUT ×1 (at 149.386441 s; 16.386 s after the fault)');
    expect(r.out).toMatch(/^ {2}server:22345>client:57731 +up 1\.000150 {2}aborted 149\.386441 ETIMEDOUT \(keepalive timeout\)$/m);
    expect(r.out).toContain('keepalive: client 15 probes, 12 replies, 1,404 B; server 15 probes, 12 replies, 1,404 B; 59 packets sent in all');
    expect(r.out).not.toContain('Flags ['); // no packet lines
  });

  it('--summary --json is one keepalive-lab/summary@1 document with every connection and middlebox', async () => {
    const r = await cli('run', 'seed001-nat-table', '--summary', '--json');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out) as { format: string; events: number; connections: { conn: string; nat?: { fate: string; at?: number } }[]; middleboxes: { name: string; evicted: number }[] };
    expect(d.format).toBe('keepalive-lab/summary@1');
    expect(d.connections).toHaveLength(6);
    expect(d.connections[0]).toMatchObject({ conn: 'client:57731>server:8000', nat: { fate: 'evicted', at: 20 } });
    expect(d.middleboxes).toEqual([expect.objectContaining({ name: 'router', evicted: 1 })]);
  });

  it('--summary refuses outputs that need the trace, and --flows needs --summary', async () => {
    const a = await cli('run', 'seed000-cable-pull', '--summary', '--svg', 'x.svg', '--verbose');
    expect(a.code).toBe(2);
    expect(a.err).toBe('error: --summary keeps no trace, so it cannot give --svg, --verbose (run without --summary for those)\n');
    const b = await cli('run', 'seed000-cable-pull', '--flows', '3');
    expect(b.code).toBe(2);
    expect(b.err).toBe('error: --flows: only with --summary\n');
  });

  it('--stream prints the same trace as it goes, and writes --pcap and --jsonl as it goes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kal-'));
    const kept = await cli('run', 'seed001-nat-table', '--vantage', 'client,router', '--pcap', join(dir, 'a.pcap'));
    const streamed = await cli('run', 'seed001-nat-table', '--vantage', 'client,router', '--stream', '--pcap', join(dir, 'b.pcap'), '--jsonl', join(dir, 'b.jsonl'));
    expect(streamed.code).toBe(0);
    expect(streamed.out).toBe(kept.out);
    expect(readFileSync(join(dir, 'b.pcap'))).toEqual(readFileSync(join(dir, 'a.pcap')));
    const lines = readFileSync(join(dir, 'b.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(lines[0]?.type).toBe('run');
    expect(lines.at(-1)?.type).toBe('summary');
    expect(new Set(lines.map((l) => l.type))).toEqual(new Set(['run', 'packet', 'call', 'event', 'summary']));
  });

  it('--stream refuses what needs the whole trace, and a refused run leaves no file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kal-'));
    const r = await cli('run', 'seed000-cable-pull', '--stream', '--json', '--jsonl', join(dir, 'x.jsonl'));
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: --stream keeps no trace, so it cannot give --json (run without --stream for those)\n');
    const bad = await cli('run', 'seed000-cable-pull', '--stream', '--pcap', join(dir, 'y.pcap'), '--pcap-at', 'mars');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--pcap-at: "mars" is not a vantage point (client, server)');
    expect(readdirSync(dir)).toEqual([]);
    expect((await cli('run', 'seed000-cable-pull', '--jsonl', join(dir, 'z.jsonl'))).err).toBe('error: --jsonl: only with --stream (the whole run as one document is --json)\n');
  });
});
