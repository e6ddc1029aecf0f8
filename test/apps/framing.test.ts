/** Message boundaries on a byte stream (src/apps/framing.ts) and repeated programs. */
import { describe, expect, it } from 'vitest';
import { Pipe } from '../../src/apps/framing.ts';
import { r6, run } from './helpers.ts';

describe('framing', () => {
  it('yields a frame only when all of its bytes have arrived, however reads split or merge them', () => {
    const p = new Pipe();
    p.push({ type: 'PINGREQ', bytes: 2 });
    p.push({ type: 'PUBLISH', bytes: 30 });
    p.push({ type: 'PINGREQ', bytes: 2 });
    expect(p.take(1)).toEqual([]);
    expect(p.take(11).map((f) => f.type)).toEqual(['PINGREQ']);
    expect(p.take(19)).toEqual([]);
    expect(p.take(3).map((f) => f.type)).toEqual(['PUBLISH', 'PINGREQ']);
    expect(p.take(1)).toEqual([]); // bytes with no frame behind them yet
  });

  it('a framed client and server meet through a SOCKS5 proxy: the broker still sees PINGREQs', () => {
    const j = run({
      hosts: { client: {}, server: {} }, until: '35s',
      path: { latency: '0.1ms', middleboxes: [{ type: 'proxy', name: 'socks', profile: 'socks5', listen: 1883, target: { host: 'server', port: 1883 } }] },
      apps: [
        { host: 'server', program: { kind: 'mqtt-broker' } },
        { host: 'client', program: { kind: 'mqtt-client', to: 'socks', keepAlive: 10 } },
      ],
    });
    expect(j.calls.filter((c) => c.host === 'server' && c.call === 'send' && c.result === 2).length).toBe(3);
    expect(j.summary.detections).toEqual([]);
  });

  it('instances of a client program start `stagger` apart', () => {
    const j = run({
      hosts: { client: {}, server: {} }, path: { latency: '0.1ms' }, until: '10s',
      apps: [
        { host: 'server', program: { kind: 'sink', port: 80 } },
        { host: 'client', name: 'c', instances: 3, stagger: '1s', program: { kind: 'chatter', to: 'server', port: 80, start: '2s' } },
      ],
    });
    expect(j.calls.filter((c) => c.call === 'connect').map((c) => [c.app, r6(c.start)])).toEqual([['c#0', 2], ['c#1', 3], ['c#2', 4]]);
  });

  it('reconnect backoff grows by the multiplier up to max while the server is unreachable', () => {
    const j = run({
      hosts: { client: {}, server: {} }, path: { latency: '0.1ms' }, until: '60s',
      apps: [
        { host: 'server', steps: [{ call: 'listen', port: 81 }] },
        { host: 'client', program: { kind: 'chatter', to: 'server', port: 80, reconnect: { initial: '1s', max: '8s', multiplier: 2 } } },
      ],
    });
    // connect() to a closed port: RST → ECONNREFUSED at +0.2 ms; waits 1, 2, 4, 8, 8 s
    const starts = j.calls.filter((c) => c.call === 'connect').map((c) => r6(c.start));
    expect(starts.slice(0, 6)).toEqual([1, 2.0002, 4.0004, 8.0006, 16.0008, 24.001]);
    expect(j.calls.find((c) => c.call === 'connect')?.errno).toBe('ECONNREFUSED');
  });
});
