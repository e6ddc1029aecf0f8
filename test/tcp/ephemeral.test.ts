/**
 * Running out of ephemeral ports (issue 17): a program that reconnects faster than TIME_WAIT
 * frees ports used to crash the simulator ("no free ephemeral port"). Linux's connect() fails
 * with EADDRNOTAVAIL when __inet_hash_connect finds no free port in ip_local_port_range
 * (net/ipv4/inet_hashtables.c), and so does the simulated one.
 */
import { describe, expect, it } from 'vitest';
import { network, PORT, recorder } from './fixtures.ts';

describe('ephemeral ports', () => {
  it('connect() fails with EADDRNOTAVAIL when every port of 32768..60999 is taken, and works again once one is free', () => {
    const p = network();
    const ls = p.w.socket(p.server);
    expect(ls.listen(PORT).ok).toBe(true);
    // every ephemeral port of the client is taken (here by listeners, as a port in TIME_WAIT would be)
    const held = Array.from({ length: 60_999 - 32_768 + 1 }, (_, i) => {
      const s = p.w.socket(p.client);
      expect(s.listen(32_768 + i).ok).toBe(true);
      return s;
    });
    const r = recorder<0>(p);
    p.w.socket(p.client).connect('server', PORT, r.cb);
    expect(r.results).toEqual([{ t: 0, r: { ok: false, errno: 'EADDRNOTAVAIL' } }]);
    (held[123] as (typeof held)[number]).close();
    const again = recorder<0>(p);
    p.w.socket(p.client).connect('server', PORT, again.cb);
    p.w.run(1_000_000);
    expect(again.results.map((x) => x.r)).toEqual([{ ok: true, value: 0 }]);
  });
});
