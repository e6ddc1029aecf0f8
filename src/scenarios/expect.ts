/**
 * Checking a run against the outcome its scenario documents (`expect`), so every
 * built-in scenario's claim about the article is tested:
 *   `<host>.<call>: ERRNO | value | [values…]`  results of that host's calls, in order
 *   `<host>.abort: ERRNO`                       the kernel aborted a connection on that host
 *   `<host>.probeGap: seconds`                  gap between that host's last two keepalive probes
 *   `errors: none`                               no call failed and nothing was aborted
 */
import type { RunJson } from './result.ts';

export function checkExpectations(json: RunJson, expect: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, want] of Object.entries(expect)) {
    if (key === 'errors') {
      const errs = json.calls.filter((c) => c.errno).map((c) => `${c.host}.${c.call} ${c.errno}`);
      const aborts = json.summary.aborts.map((a) => `${a.host} abort ${a.errno}`);
      if (want === 'none' && errs.length + aborts.length > 0) problems.push(`errors: expected none, got ${[...errs, ...aborts].join(', ')}`);
      continue;
    }
    const [host, what] = key.split('.') as [string, string | undefined];
    if (what === 'abort') {
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
