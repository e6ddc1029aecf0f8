/**
 * keepalive-lab command line: list, run, calibrate, schema. Exit codes: 0 ok, 2 bad input
 * (or calibration impossible here, e.g. not root), 3 calibration mismatch, 1 internal error. User mistakes print one line per problem, never a stack trace.
 */
import { Command, CommanderError, Option } from 'commander';
import { z } from 'zod';
import { parseDuration } from '../src/scenarios/duration.ts';
import { scenarioSchema } from '../src/scenarios/schema.ts';
import { runScenario } from '../src/scenarios/run.ts';
import { humanTrace } from '../src/report/human.ts';
import { formatNetstat } from '../src/report/timers.ts';
import { formatConntrack } from '../src/report/conntrack.ts';
import { toPcap } from '../src/report/pcap.ts';
import { stateDiagram } from '../src/report/diagram.ts';
import { ladderMaxArg, writeRunFigures } from './plot/run-figures.ts';
import { registerPlot } from './commands/plot.ts';
import { registerSweep } from './commands/sweep.ts';
import { AdviceFailedError, registerAdvise } from './commands/advise.ts';
import { registerCompare } from './commands/compare.ts';
import { keepaliveMachine } from '../src/tcp/keepalive/machine.ts';
import { writeFileSync } from 'node:fs';
import { formatSeconds } from '../src/scenarios/duration.ts';
import { InputError, PENDING, builtinNames, loadScenario, readRaw } from './load.ts';

function durationArg(flag: string) {
  return (v: string): number => {
    const us = parseDuration(v);
    if (us === null) throw new InputError([`${flag}: ${JSON.stringify(v)} is not a duration (e.g. 30, "30s", "1.5ms", "2h")`]);
    return us;
  };
}

function seedArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1) throw new InputError([`--seed: ${JSON.stringify(v)} is out of range 0..4294967295`]);
  return n;
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

/** The simulator and the real kernel disagreed: exit 3. */
class MismatchError extends Error {
  constructor(readonly count: number) {
    super(`${count} calibration scenario(s) differ from the real kernel`);
  }
}

export function buildProgram(out: (...s: string[]) => void): Command {
  const program = new Command('keepalive-lab')
    .description('Deterministic simulator of TCP keepalive, retransmission timeouts and the failures they detect (Linux-faithful).')
    .version('0.1.0')
    .showHelpAfterError();

  program
    .command('list')
    .description('list the built-in scenarios')
    .action(() => {
      for (const name of builtinNames()) {
        const { raw } = readRaw(name);
        const d = (raw as { description?: string }).description ?? '';
        out(`${name.padEnd(28)} ${d}`);
      }
      for (const p of PENDING) out(`${p.name.padEnd(28)} (pending: needs ${p.needs})`);
    });

  program
    .command('run')
    .description('run a built-in scenario or a scenario file (YAML or JSON)')
    .argument('<scenario>', 'built-in name (see `list`) or path to a file')
    .option('--seed <n>', 'override the scenario seed', seedArg)
    .option('--set <path=value>', 'override any scenario field, e.g. hosts.client.socket.TCP_KEEPIDLE=20 (repeatable)', collect, [])
    .option('--until <duration>', 'run to this virtual time (e.g. 300s, 2h)', durationArg('--until'))
    .option('--json', 'print the run as one JSON document (docs/output.md)')
    .option('--timers <duration>', 'print a netstat -o style timer table at this virtual time (repeatable)', collect, [])
    .option('--mermaid <file>', 'also write the run as a Mermaid sequence (ladder) diagram')
    .option('--svg <file>', 'also write the ladder diagram rendered as SVG (docs/diagrams.md)')
    .option('--ladder-max <n>', 'ladder diagrams: at most this many arrows and notes, the middle of longer runs elided (default 400)', ladderMaxArg)
    .option('--ladder-idle <duration>', 'ladder diagrams: collapse quiet gaps this long into one note (default 60s; 0 = never)', durationArg('--ladder-idle'))
    .option('--timeline <file>', 'also write the timer timeline: .svg, .png, .json (Vega-Lite), or - for text lanes after the trace')
    .option('--pcap <file>', 'also write the packets seen at --pcap-at as a capture (.pcapng: pcapng with comments; else pcap)')
    .option('--pcap-at <vantage>', 'host, or NAT side (nat, nat:inside, nat:outside), for --pcap; default: the first vantage point')
    .option('--conntrack <duration>', 'print the NAT table (conntrack -L style) at this virtual time (repeatable)', collect, [])
    .option('--vantage <hosts>', 'comma-separated hosts (or NAT names) whose captured packets are printed')
    .option('-v, --verbose', 'also print every state change, timer firing and keepalive-machine transition')
    .addOption(new Option('-c, --count <n>', 'client TCP_KEEPCNT (seed 001 keepalive-client shorthand)'))
    .addOption(new Option('-d, --idle <s>', 'client TCP_KEEPIDLE in seconds (shorthand)'))
    .addOption(new Option('-i, --interval <s>', 'client TCP_KEEPINTVL in seconds (shorthand)'))
    .action(async (ref: string, o: { seed?: number; set: string[]; until?: number; json?: boolean; timers: string[]; conntrack: string[]; mermaid?: string; svg?: string; ladderMax?: number; ladderIdle?: number; timeline?: string; pcap?: string; pcapAt?: string; vantage?: string; verbose?: boolean; count?: string; idle?: string; interval?: string }) => {
      const { scenario } = loadScenario(ref, { set: o.set, ...(o.count ? { count: o.count } : {}), ...(o.idle ? { idle: o.idle } : {}), ...(o.interval ? { interval: o.interval } : {}) });
      const timersAt = o.timers.map((t) => durationArg('--timers')(t));
      const conntrackAt = o.conntrack.map((t) => durationArg('--conntrack')(t));
      const boxes = scenario.path.middleboxes.map((m) => m.name);
      if (conntrackAt.length && !scenario.path.middleboxes.some((m) => m.type === 'nat')) throw new InputError(['--conntrack: this scenario has no NAT (path.middleboxes)']);
      const vantage = o.vantage?.split(',').map((s) => s.trim()).filter(Boolean);
      for (const v of vantage ?? []) if (!(v in scenario.hosts) && !boxes.includes(v)) throw new InputError([`--vantage: no host or NAT named ${JSON.stringify(v)} (hosts: ${[...Object.keys(scenario.hosts), ...boxes].join(', ')})`]);
      const r = runScenario(scenario, { ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.until !== undefined ? { until: o.until } : {}), timersAt, conntrackAt });
      if (o.timeline === '-' && o.json) throw new InputError(['--timeline -: text lanes cannot go into --json output; give a file (.svg, .png, .json)']);
      const figureText = await writeRunFigures(r, scenario, o);
      if (o.pcap) {
        const at = o.pcapAt ?? vantage?.[0] ?? scenario.vantage?.[0] ?? Object.keys(scenario.hosts)[0] ?? '';
        let bytes: Uint8Array;
        try {
          bytes = toPcap(r.world.sim.trace.events, { at, format: o.pcap.endsWith('.pcapng') ? 'pcapng' : 'pcap' });
        } catch (e) {
          if (e instanceof RangeError) throw new InputError([`--pcap-at: ${e.message}`]);
          throw e;
        }
        try {
          writeFileSync(o.pcap, bytes);
        } catch (e) {
          throw new InputError([`--pcap: cannot write ${o.pcap}: ${(e as Error).message}`]);
        }
      }
      if (o.json) {
        const extra = {
          ...(timersAt.length ? { timers: r.timerTables.map((t) => ({ t: t.t / 1e6, rows: t.rows })) } : {}),
          ...(conntrackAt.length ? { conntrack: r.conntrackTables.map((t) => ({ t: t.t / 1e6, rows: t.rows })) } : {}),
        };
        out(JSON.stringify({ ...r.json, ...extra }, null, 1));
        return;
      }
      out(humanTrace(r.world, scenario, r.json, { ...(vantage ? { vantage } : {}), ...(o.verbose ? { verbose: true } : {}) }).trimEnd());
      for (const t of timersAt) {
        if (!r.timerTables.some((x) => x.t === t)) out('', `== timers at ${formatSeconds(t)}: not taken, the run ended at ${formatSeconds(r.world.sim.now)} (use --until) ==`);
      }
      for (const t of r.timerTables) {
        out('', `== timers at ${formatSeconds(t.t)} (netstat -tno: host, Recv-Q, Send-Q, local, peer, state, timer (left/retransmits/probes)) ==`);
        const lines = formatNetstat(t.rows);
        out(...(lines.length ? lines : ['(no connections)']));
      }
      for (const t of conntrackAt) {
        if (!r.conntrackTables.some((x) => x.t === t)) out('', `== conntrack at ${formatSeconds(t)}: not taken, the run ended at ${formatSeconds(r.world.sim.now)} (use --until) ==`);
      }
      for (const t of r.conntrackTables) {
        out('', `== conntrack at ${formatSeconds(t.t)} (conntrack -L: nat, proto, seconds left, state, original tuple, reply tuple, flags) ==`);
        const lines = formatConntrack(t.rows);
        out(...(lines.length ? lines : ['(no entries)']));
      }
      out(...figureText);
    });

  program
    .command('calibrate')
    .description('run calibration scenarios on the real Linux kernel (network namespaces, root) and in the simulator, and diff them')
    .argument('[scenarios...]', 'calibration suite names (calibrate/scenarios) or scenario files; default: the whole suite')
    .option('--fixture', 'compare with the recorded real-kernel runs (test/fixtures/calibration) instead of running the kernel now')
    .option('--summary', 'print one line per scenario instead of the side-by-side tables')
    .action(async (names: string[], o: { fixture?: boolean; summary?: boolean }) => {
      const { calibrate } = await import('../calibrate/command.ts');
      const mismatches = await calibrate(names, { fixture: o.fixture === true, summary: o.summary === true, out });
      if (mismatches > 0) throw new MismatchError(mismatches);
    });

  program
    .command('machine')
    .description('print the keepalive state machine as a Mermaid state diagram, generated from its xstate definition')
    .action(() => out(stateDiagram(keepaliveMachine).trimEnd()));

  program
    .command('schema')
    .description('print the JSON Schema of scenario files (for editors)')
    .action(() => out(JSON.stringify(z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }), null, 2)));

  registerPlot(program, out);
  registerSweep(program, out);
  registerAdvise(program, out);
  registerCompare(program, out);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const lines: string[] = [];
  const out = (...s: string[]): void => {
    for (const x of s) lines.push(x);
  };
  const flush = (): void => {
    if (lines.length) process.stdout.write(lines.join('\n') + '\n');
    lines.length = 0;
  };
  const program = buildProgram(out);
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    flush();
    return 0;
  } catch (e) {
    if (e instanceof MismatchError || e instanceof AdviceFailedError) {
      flush();
      process.stderr.write(`${e.message}\n`);
      return 3;
    }
    if (e instanceof InputError) {
      for (const p of e.problems) process.stderr.write(`error: ${p}\n`);
      return 2;
    }
    if (e instanceof CommanderError) {
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version') {
        flush();
        return 0;
      }
      return 2;
    }
    process.stderr.write(`internal error (please report): ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
