/**
 * Print the real-kernel results table of docs/calibration.md from the recorded fixtures:
 *   npx tsx calibrate/table.ts > /tmp/table.md
 * Times are seconds after the client's connect() returned (scenario time = t + offset), or
 * after scenario start when connect() failed.
 */
import type { PacketRecord } from '../src/scenarios/result.ts';
import type { KernelRunJson } from './convert.ts';
import { loadFixture, suiteNames } from './suite.ts';

const f3 = (t: number): string => t.toFixed(3);

/** Timer-driven and reset packets as their sender saw them leave, grouped by sender and kind. */
function wireEvents(run: KernelRunJson): string[] {
  // The handshake is shown only when connect() failed (then t = 0 is scenario start).
  const failedConnect = run.timeBase.origin === 'scenario-start';
  const own = run.packets.filter((p) => p.dir === 'tx' && p.at === p.src && (p.t > 0 || failedConnect));
  const groups = new Map<string, PacketRecord[]>();
  for (const p of own) {
    const what = label(p);
    if (!what) continue;
    const key = `${p.src} ${what}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.entries()].map(([k, ps]) => `${k} ${ps.map((p) => f3(p.t)).join(', ')}`);
}

function label(p: PacketRecord): string | undefined {
  if (p.kind === 'keepalive') return 'probe';
  if (p.kind === 'loss-probe') return 'TLP';
  if (p.kind === 'retransmission') return p.flags.startsWith('S') ? 'SYN retx' : 'retx';
  if (p.flags.includes('R')) return p.flags;
  if (p.flags === 'S') return 'SYN';
  if (p.len > 0) return 'data';
  return undefined;
}

function outcomes(run: KernelRunJson): string {
  const failed = run.calls.filter((c) => c.errno !== undefined || c.result === 'readable');
  if (failed.length === 0) return 'no errors';
  return failed.map((c) => `${c.host} ${c.call} ${c.errno ?? String(c.result)} ${f3(c.t)}`).join('; ');
}

const rows = suiteNames().map((name) => {
  const run = loadFixture(name);
  return `| ${name} | ${wireEvents(run).join('<br>')} | ${outcomes(run)} |`;
});
const kernels = new Map<string, string[]>();
for (const name of suiteNames()) {
  const k = loadFixture(name).kernel;
  const key = `${k.release}, CONFIG_HZ=${k.hz}`;
  kernels.set(key, [...(kernels.get(key) ?? []), name]);
}
for (const [k, names] of kernels) console.log(`Kernel ${k}: ${names.length} fixtures.`);
console.log('');
console.log('| scenario | on the wire (s after connect returned) | application |');
console.log('|---|---|---|');
console.log(rows.join('\n'));
