/**
 * The long fuzzing mode (issue 17): `npm run fuzz -- --runs 100000 [--seed N] [--all]`.
 * Runs the same generated cases as test/fuzz/cli.test.ts (every built-in with --all,
 * including the three slow NAT-table runs) without stopping at the first failure: every
 * violation is recorded with its replay line, then a summary is printed — cases, exit codes,
 * budget stops, violations grouped by cause, time. The first case of each cause is kept in
 * out/fuzz/<n>/ (its files and argv.txt) to replay. Exit 1 when any case broke the contract.
 */
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Case } from './arbitraries.ts';

process.env.FUZZ_BUDGET ??= '200000'; // read by the harness when it loads, below
const { anyCase, validCase } = await import('./arbitraries.ts');
const { check } = await import('./cases.ts');
const { replay, BUDGET } = await import('./harness.ts');

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const n = Number(args[i + 1]);
  if (!Number.isSafeInteger(n) || n < 0) {
    process.stderr.write(`fuzz: ${name} needs a whole number\n`);
    process.exit(2);
  }
  return n;
};
const runs = flag('--runs', 10_000);
const seed = flag('--seed', Number(process.env.FC_SEED ?? 20261125));
const all = args.includes('--all');

const codes = new Map<number, number>();
const kinds = new Map<string, { n: number; ms: number; ran: number }>();
const causes = new Map<string, { count: number; example: string }>();
let budgetStops = 0;
let done = 0;
const t0 = performance.now();

async function one(c: Case): Promise<boolean> {
  const t = performance.now();
  const { result, problems } = await check(c);
  const kind = c.kind.split(' ')[0] === 'mutated' || c.kind.startsWith('run ') ? c.kind.split(' ')[0] as string : c.kind;
  const k = kinds.get(kind) ?? { n: 0, ms: 0, ran: 0 };
  k.n++;
  if (result.code === 0 || result.code === 3 || result.code === 4) k.ran++;
  k.ms += performance.now() - t;
  kinds.set(kind, k);
  codes.set(result.code, (codes.get(result.code) ?? 0) + 1);
  if (result.budget) budgetStops++;
  for (const p of problems) {
    const cause = `${kind}: ${p.replace(/\d+(\.\d+)?/g, 'N').slice(0, 160)}`;
    const e = causes.get(cause);
    if (e) e.count++;
    else {
      // keep the case to replay: its files (the case folder is gone) and its argv
      const keep = join('out', 'fuzz', String(causes.size + 1));
      mkdirSync(keep, { recursive: true });
      for (const [name, data] of Object.entries(c.files)) writeFileSync(join(keep, name.replace(/\//g, '_')), data);
      writeFileSync(join(keep, 'argv.txt'), `${JSON.stringify(c.argv)}\n${problems.join('\n')}\n`);
      causes.set(cause, { count: 1, example: `${replay(result.argv)} (kept in ${keep})\n      exit ${result.code}: ${result.err.slice(0, 300).replace(/\n/g, '\n      ')}` });
    }
  }
  if (++done % 1000 === 0) process.stderr.write(`fuzz: ${done}/${runs} cases, ${causes.size} distinct problems, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  return true; // record and go on: this mode reports every problem, not the first
}

process.stderr.write(`fuzz: ${runs} cases, seed ${seed}${all ? ', every built-in' : ''}\n`);
const validRuns = Math.ceil(runs / 10);
await fc.check(fc.asyncProperty(anyCase(all), one), { numRuns: runs - validRuns, seed, endOnFailure: true });
await fc.check(fc.asyncProperty(validCase, one), { numRuns: validRuns, seed: seed + 1, endOnFailure: true });
const secs = (performance.now() - t0) / 1000;

const out: string[] = [];
out.push(`fuzz: ${done} cases in ${secs.toFixed(1)} s (${((secs * 1000) / done).toFixed(1)} ms a case), seed ${seed}${all ? ', every built-in' : ''}`);
out.push(`exit codes: ${[...codes].sort((a, b) => a[0] - b[0]).map(([c, n]) => `${c}: ${n}`).join(', ')}; stopped by the event budget (${BUDGET} events): ${budgetStops}`);
out.push('by kind: cases, accepted (exit 0/3/4), mean ms a case');
for (const [k, v] of [...kinds].sort((a, b) => b[1].n - a[1].n)) out.push(`  ${k.padEnd(16)} ${String(v.n).padStart(7)} ${String(v.ran).padStart(7)}  ${(v.ms / v.n).toFixed(1)}`);
out.push(`problems: ${[...causes.values()].reduce((n, c) => n + c.count, 0)} in ${causes.size} distinct causes`);
for (const [cause, c] of causes) out.push(`  ${c.count} × ${cause}\n    e.g. ${c.example}`);
process.stdout.write(`${out.join('\n')}\n`);
process.exitCode = causes.size ? 1 : 0;
