/**
 * Checking a run against the outcome its scenario documents (`expect`), so every
 * built-in scenario's claim about the article is tested:
 *   `<host>.<call>: ERRNO | value | [values…]`  results of that host's calls, in order
 *   `<host>.abort: ERRNO`                       the kernel aborted a connection on that host
 *   `<host>.probeGap: seconds`                  gap between that host's last two keepalive probes
 *   `errors: none`                               no call failed and nothing was aborted
 *   `app:<glob>: ok | ERRNO | { ok: n, ERRNO: m }` programs whose name matches (`idle#*`): every one
 *                                               ended so, or that many of each (src/report/flows.ts)
 *   `<host or NAT>.events: [text…]`             each text appears in one of its events, in that order
 *                                               (the same event may hold the next text too)
 *   `<host>.detect: LABEL | [LABEL…] | none`    the host's programs' detections (summary.detections:
 *                                               an errno, or a program's own label such as IDLE_REAPED)
 */
import type { RunJson } from './result.ts';
import { countOutcomes, flowOutcomes } from '../report/flows.ts';

export function checkExpectations(json: RunJson, expect: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, want] of Object.entries(expect)) {
    if (key === 'errors') {
      const errs = json.calls.filter((c) => c.errno).map((c) => `${c.host}.${c.call} ${c.errno}`);
      const aborts = json.summary.aborts.map((a) => `${a.host} abort ${a.errno}`);
      if (want === 'none' && errs.length + aborts.length > 0) problems.push(`errors: expected none, got ${[...errs, ...aborts].join(', ')}`);
      continue;
    }
    if (key.startsWith('app:')) {
      const got = countOutcomes(flowOutcomes(json), key.slice(4));
      const n = Object.values(got).reduce((a, b) => a + b, 0);
      const wants = typeof want === 'object' && want !== null ? (want as Record<string, number>) : { [String(want)]: n };
      const same = n > 0 && JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(wants).sort());
      if (!same) problems.push(`${key}: expected ${JSON.stringify(wants)}, got ${n ? JSON.stringify(got) : 'no program of that name'}`);
      continue;
    }
    const [host, what] = key.split('.') as [string, string | undefined];
    if (what === 'events') {
      const details = json.events.filter((e) => e.host === host).map((e) => e.detail);
      let from = 0;
      for (const text of Array.isArray(want) ? (want as unknown[]) : [want]) {
        const at = details.findIndex((d, i) => i >= from && d.includes(String(text)));
        if (at < 0) {
          problems.push(`${key}: no event of ${host} contains ${JSON.stringify(text)}${from ? ' from the previous one on' : ''}`);
          break;
        }
        from = at;
      }
    } else if (what === 'detect') {
      const got = json.summary.detections.filter((d) => d.host === host).map((d) => d.errno);
      const wants = want === 'none' ? [] : Array.isArray(want) ? want : [want];
      if (JSON.stringify(got) !== JSON.stringify(wants)) problems.push(`${key}: expected ${JSON.stringify(wants)}, got ${JSON.stringify(got)}`);
    } else if (what === 'abort') {
      const a = json.summary.aborts.find((x) => x.host === host);
      if (a?.errno !== want) problems.push(`${key}: expected ${String(want)}, got ${a ? a.errno : 'no abort'}`);
    } else if (what === 'probeGap') {
      const ts = json.packets.filter((p) => p.at === host && p.dir === 'tx' && p.kind === 'keepalive').map((p) => p.t);
      const gap = ts.length >= 2 ? Math.round(((ts[ts.length - 1] as number) - (ts[ts.length - 2] as number)) * 1e6) / 1e6 : undefined;
      if (gap !== want) problems.push(`${key}: expected ${String(want)} s, got ${gap === undefined ? 'fewer than two probes' : `${gap} s`}`);
    } else if (what) {
      const got = json.calls.filter((c) => c.host === host && c.call === what && !c.pending).map((c) => c.errno ?? c.result);
      const wants = Array.isArray(want) ? want : [want];
      const tail = Array.isArray(want) ? got : got.slice(-1);
      if (JSON.stringify(tail) !== JSON.stringify(wants)) problems.push(`${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(Array.isArray(want) ? got : got[got.length - 1])}`);
    }
  }
  return problems;
}
