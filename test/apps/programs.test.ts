/**
 * Each heartbeat program against its specification, with exact virtual times: Swoole's
 * heartbeat check, application ping/pong, MQTT 3.1.1 §3.1.2.10, OpenSSH ServerAlive, gRPC's
 * too_many_pings policy (A8, nat.md §8 item 11). Path latency 0.1 ms one way throughout.
 */
import { describe, expect, it } from 'vitest';
import { decisions, r6, reads, run, sends } from './helpers.ts';

const base = { hosts: { client: {}, server: {} }, path: { latency: '0.1ms' } };

describe('reaper (Swoole heartbeat_check_interval / heartbeat_idle_time)', () => {
  it('closes at the first check at which the connection has been idle ≥ idle time, with a FIN', () => {
    const j = run({
      ...base, until: '30s',
      apps: [
        { host: 'server', program: { kind: 'reaper', port: 80, checkInterval: '1s', idleTime: '5s' } },
        { host: 'client', steps: [{ at: '1s', call: 'connect', to: 'server', port: 80 }, { call: 'send', bytes: 5, at: '2.5s' }, { call: 'recv' }] },
      ],
    });
    // data arrives at 2.5002 s; checks at whole seconds: 7 s sees 4.9998 s idle, 8 s reaps
    expect(decisions(j)).toEqual([{ host: 'server', label: 'IDLE_REAPED', t: 8 }]);
    expect(j.packets.find((p) => p.at === 'server' && p.dir === 'tx' && p.flags === 'F.')?.t).toBe(8);
    expect(j.calls.find((c) => c.host === 'client' && c.call === 'recv')?.result).toBe(0);
    // nothing failed in this run: the reaper closing a live connection is a false alarm (the falseAlarm metric's rule)
    expect(j.summary.detections).toEqual([{ host: 'server', app: 'server', errno: 'IDLE_REAPED', t: 8, via: 'program', falseAlarm: true }]);
  });

  it('idle time defaults to twice the check interval (Swoole docs)', () => {
    const j = run({
      ...base, until: '30s',
      apps: [
        { host: 'server', program: { kind: 'reaper', port: 80, checkInterval: '2s' } },
        { host: 'client', steps: [{ at: '1s', call: 'connect', to: 'server', port: 80 }, { call: 'recv' }] },
      ],
    });
    // accepted at 1.0003 s; checks at 2, 4, 6 s: 6 s is the first with ≥ 4 s idle
    expect(decisions(j)).toEqual([{ host: 'server', label: 'IDLE_REAPED', t: 6 }]);
  });

  it('keeps a connection whose client sends every 3 s (seed 003)', () => {
    const j = run({
      ...base, until: '60s',
      apps: [
        { host: 'server', program: { kind: 'reaper', port: 80, checkInterval: '1s', idleTime: '5s' } },
        { host: 'client', program: { kind: 'chatter', to: 'server', port: 80, every: '3s', bytes: 5 } },
      ],
    });
    expect(decisions(j)).toEqual([]);
    expect(reads(j, 'server').length).toBe(19);
  });
});

describe('application ping/pong', () => {
  const pingScenario = (extra: Record<string, unknown>, faults: unknown[] = []) => ({
    ...base, until: '60s', faults,
    apps: [
      { host: 'server', program: { kind: 'ping-server', port: 80, ...((extra.server as object) ?? {}) } },
      { host: 'client', program: { kind: 'ping-client', to: 'server', port: 80, ping: { interval: '2s', timeout: '1s', misses: 3 }, ...((extra.client as object) ?? {}) } },
    ],
  });

  it('pings every interval from the connection; the delayed pong comes back after the delay', () => {
    const j = run(pingScenario({ server: { delay: '50ms' } }));
    const ping = sends(j, 'client', 4);
    expect(ping.slice(0, 3).map(r6)).toEqual([3.0002, 5.0002, 7.0002]);
    expect(reads(j, 'client').slice(0, 2).map(r6)).toEqual([3.0504, 5.0504]);
    expect(decisions(j)).toEqual([]);
  });

  it('declares the server dead at the third unanswered ping plus the timeout', () => {
    const j = run(pingScenario({}, [{ at: '20s', type: 'crash', host: 'server' }]));
    // pings at 21.0002, 23.0002, 25.0002 are unanswered: dead at 26.0002
    expect(decisions(j)).toEqual([{ host: 'client', label: 'PING_TIMEOUT', t: 26.0002 }]);
  });

  it('a server that pings its clients detects a crashed client the same way', () => {
    const j = run(pingScenario({ server: { ping: { interval: '5s', timeout: '2s', misses: 2 } }, client: { ping: undefined } }, [{ at: '20s', type: 'crash', host: 'client' }]));
    // accepted at 1.0003: server pings at 21.0003 and 26.0003 unanswered → 28.0003
    expect(decisions(j)).toEqual([{ host: 'server', label: 'PING_TIMEOUT', t: 28.0003 }]);
  });

  it('with reconnect, the client connects again after the backoff (1 s, then 2 s, …)', () => {
    const j = run(pingScenario({ client: { reconnect: { initial: '1s', max: '4s' } } }, [{ at: '20s', type: 'crash', host: 'server' }, { at: '40s', type: 'reboot', host: 'server' }]));
    const connects = j.calls.filter((c) => c.host === 'client' && c.call === 'connect').map((c) => r6(c.start));
    expect(connects[0]).toBe(1);
    expect(connects[1]).toBe(27.0002); // 1 s after PING_TIMEOUT at 26.0002
    expect(connects.length).toBeGreaterThan(2);
  });
});

describe('MQTT keep alive (3.1.1 §3.1.2.10)', () => {
  const mqtt = (faults: unknown[]) => ({
    hosts: { client: {}, broker: {} }, path: { latency: '0.1ms' }, until: '120s', faults,
    apps: [
      { host: 'broker', program: { kind: 'mqtt-broker', profile: 'spec' } },
      { host: 'client', program: { kind: 'mqtt-client', to: 'broker', keepAlive: 10 } },
    ],
  });

  it('PINGREQ (2 bytes) after 10 s without a packet, PINGRESP (2 bytes) at once', () => {
    const j = run(mqtt([]));
    expect(sends(j, 'client', 2).slice(0, 3).map(r6)).toEqual([11.0002, 21.0002, 31.0002]);
    expect(sends(j, 'broker', 2).slice(0, 3).map(r6)).toEqual([11.0003, 21.0003, 31.0003]);
    expect(decisions(j)).toEqual([]);
  });

  it('the broker disconnects 1.5 × keep alive after the last packet from a crashed client', () => {
    const j = run(mqtt([{ at: '25s', type: 'crash', host: 'client' }]));
    expect(decisions(j)).toEqual([{ host: 'broker', label: 'KEEPALIVE_TIMEOUT', t: 36.0003 }]); // 21.0003 + 15
  });

  it('the client closes one keep alive after an unanswered PINGREQ (2 × after the last packet)', () => {
    const j = run(mqtt([{ at: '25s', type: 'cut' }]));
    // PINGREQ at 31.0002 unanswered; the check at 41.0002 closes
    const d = decisions(j);
    expect(d).toContainEqual({ host: 'client', label: 'PINGRESP_TIMEOUT', t: 41.0002 });
    expect(d).toContainEqual({ host: 'broker', label: 'KEEPALIVE_TIMEOUT', t: 36.0003 });
  });
});

describe('OpenSSH ServerAliveInterval / ServerAliveCountMax', () => {
  it('exits CountMax × interval after the first unanswered keepalive@openssh.com (52 bytes, answered with 28)', () => {
    const j = run({
      ...base, until: '200s', faults: [{ at: '40s', type: 'cut' }],
      apps: [
        { host: 'server', program: { kind: 'ssh-server', profile: 'spec' } },
        { host: 'client', program: { kind: 'ssh-client', to: 'server', serverAliveInterval: 10, serverAliveCountMax: 2, profile: 'spec' } },
      ],
    });
    expect(sends(j, 'client', 52).map(r6)).toEqual([11.0002, 21.0004, 31.0006, 41.0008, 51.0008]);
    expect(sends(j, 'server', 28).length).toBe(3);
    // first unanswered request 41.0008 + 2 × 10 s (each reply reschedules the check)
    expect(decisions(j)).toEqual([{ host: 'client', label: 'SERVER_ALIVE_TIMEOUT', t: 61.0008 }]);
  });

  it('ClientAliveCountMax 0 never disconnects (sshd_config(5))', () => {
    const j = run({
      ...base, until: '100s', faults: [{ at: '5s', type: 'crash', host: 'client' }],
      apps: [
        { host: 'server', program: { kind: 'ssh-server', clientAliveInterval: 10, clientAliveCountMax: 0, profile: 'spec' } },
        { host: 'client', program: { kind: 'ssh-client', to: 'server', profile: 'spec' } },
      ],
    });
    expect(decisions(j)).toEqual([]);
    expect(sends(j, 'server', 52).length).toBeGreaterThan(5);
  });
});

describe('gRPC keepalive and the server ping policy', () => {
  const grpc = (server: Record<string, unknown>, time: string) => ({
    ...base, until: '100s',
    apps: [
      { host: 'server', program: { kind: 'grpc-server', ...server } },
      { host: 'client', program: { kind: 'grpc-client', to: 'server', keepaliveTime: time } },
    ],
  });

  it('GOAWAY too_many_pings at the 4th ping (3 strikes > 2), 30 s after the first with 10 s pings', () => {
    const j = run(grpc({}, '10s'));
    const pings = sends(j, 'client', 39).map(r6);
    expect(pings).toEqual([11.0002, 21.0004, 31.0006, 41.0008]);
    expect(sends(j, 'server', 53).map(r6)).toEqual([41.0009]);
    expect(decisions(j)).toEqual([
      { host: 'server', label: 'GOAWAY too_many_pings', t: 41.0009 },
      { host: 'client', label: 'GOAWAY too_many_pings', t: 41.001 },
    ]);
  });

  it('pings no closer than the permitted interval are never strikes', () => {
    const j = run(grpc({ permitWithoutCalls: true, minPingInterval: '10s' }, '10s'));
    expect(decisions(j)).toEqual([]);
  });

  it('the client closes the transport when nothing is read within keepaliveTimeout of its PING', () => {
    const j = run({ ...grpc({ permitWithoutCalls: true, minPingInterval: '1s' }, '10s'), faults: [{ at: '15s', type: 'crash', host: 'server' }] });
    // PING at 21.0004 unanswered; 20 s later
    expect(decisions(j)).toEqual([{ host: 'client', label: 'KEEPALIVE_TIMEOUT', t: 41.0004 }]);
  });
});

describe('program validation', () => {
  it('names the field and the range', async () => {
    const { problems } = await import('./helpers.ts');
    expect(problems({ ...base, apps: [{ host: 'client', program: { kind: 'ping-client', to: 'server', port: 80, ping: { interval: 0, timeout: '1s' } } }] })).toEqual([
      'apps.0.program.ping.interval: interval must be more than 0',
    ]);
    expect(problems({ ...base, apps: [{ host: 'client', program: { kind: 'mqtt-client', to: 'server', keepAlive: 70000 } }] })).toEqual([
      'apps.0.program.keepAlive: 70000 is too large (at most 65535)',
    ]);
    expect(problems({ ...base, apps: [{ host: 'client', steps: [{ call: 'close' }], program: { kind: 'sink', port: 1 } }] })).toEqual(['apps.0.program: give either steps or program, not both']);
    expect(problems({ ...base, apps: [{ host: 'client' }] })).toEqual(['apps.0.steps: a program needs at least one step (or a `program`)']);
  });
});

describe('more of each specification', () => {
  it('sshd ClientAliveInterval 10 × 3 closes (CountMax + 1) × interval after the last packet from a crashed client', () => {
    const j = run({
      ...base, until: '100s', faults: [{ at: '15s', type: 'crash', host: 'client' }],
      apps: [
        { host: 'server', program: { kind: 'ssh-server', clientAliveInterval: 10, clientAliveCountMax: 3, profile: 'spec' } },
        { host: 'client', program: { kind: 'ssh-client', to: 'server', profile: 'spec' } },
      ],
    });
    // accepted 1.0003; request at 11.0003 answered at 11.0005; then 21.0005, 31.0005, 41.0005 unanswered → 51.0005
    expect(decisions(j)).toEqual([{ host: 'server', label: 'CLIENT_ALIVE_TIMEOUT', t: 51.0005 }]);
  });

  it('an MQTT client that only publishes still sends PINGREQ every keep alive: nothing came *in* (paho _check_keepalive)', () => {
    const j = run({
      hosts: { client: {}, broker: {} }, path: { latency: '0.1ms' }, until: '35s',
      apps: [
        { host: 'broker', program: { kind: 'mqtt-broker', profile: 'spec' } },
        { host: 'client', program: { kind: 'mqtt-client', to: 'broker', keepAlive: 10, publishEvery: '3s', publishBytes: 40 } },
      ],
    });
    expect(sends(j, 'client', 2).map(r6)).toEqual([11.0004, 21.0006, 31.0008]);
    expect(sends(j, 'client', 40).length).toBe(11);
  });

  it('keepalive probes carry no data, so they do not save a connection from the reaper', () => {
    const j = run({
      hosts: { client: { socket: { SO_KEEPALIVE: true, TCP_KEEPIDLE: 1, TCP_KEEPINTVL: 1 } }, server: {} }, path: { latency: '0.1ms' }, until: '20s',
      apps: [
        { host: 'server', program: { kind: 'reaper', port: 80, checkInterval: '1s', idleTime: '5s' } },
        { host: 'client', steps: [{ at: '1s', call: 'connect', to: 'server', port: 80 }, { call: 'recv' }] },
      ],
    });
    expect(j.packets.filter((p) => p.at === 'client' && p.dir === 'tx' && p.kind === 'keepalive').length).toBeGreaterThan(3);
    expect(decisions(j)).toEqual([{ host: 'server', label: 'IDLE_REAPED', t: 7 }]);
  });
});
