/**
 * keepalive-lab command line: the program definition (commands, flags, help) and the
 * process-level contract. Exit codes: 0 ok, 2 bad input (or calibration impossible here,
 * e.g. not root), 3 calibration mismatch, advice not confirmed or sweep runs failed, 1 internal error. User
 * mistakes print one line per problem, never a stack trace.
 *
 * Start-up cost is part of the interface (docs: every command in well under a second):
 * this module loads only commander and the flag parsers; each command's implementation is
 * imported when that command runs, and drawing libraries only when something is drawn.
 */
import { Command, CommanderError, Option } from 'commander';
import { collect, durationArg, seedArg, ladderMaxArg, wholeNumber, seconds, number, natProfile, proxyProfile, osList, triple, fileArg, shorthandArg, integerArg, PLOT_KINDS, PLOT_AGGS, PLOT_FORMATS } from './args.ts';
import { clip } from '../src/scenarios/show.ts';
import { AdviceFailedError, InputError, MismatchError, RunsFailedError } from './errors.ts';
import { NAT_PROFILE_NAMES } from '../src/net/nat/profiles.ts';
import { DEFAULT_MAX_RUNS, HARD_MAX_RUNS, MAX_WORKERS } from '../src/sweep/limits.ts';
import { PROXY_PROFILE_NAMES } from '../src/net/proxy/profiles.ts';
import type { AdvisorOs } from '../src/advisor/model.ts';
import type { RunFlags } from './commands/run.ts';
import type { SweepFlags } from './commands/sweep.ts';
import type { PlotOpts } from './commands/plot.ts';
import type { AdviseFlags } from './commands/advise.ts';
import type { WorkerFlags } from './commands/worker.ts';
import { VERSION } from './version.ts';

export { VERSION };

/** Where the CLI writes: process streams by default, buffers in tests (test/support/cli.ts). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stderr is a terminal: progress bars may be drawn */
  isTTY?: boolean;
  /**
   * Tests only (the fuzz suite's per-case budget): stop any run after this many simulator
   * events; main() then returns 4 and prints one `budget:` line.
   */
  maxEvents?: number;
}

const processIo: CliIo = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  isTTY: process.stderr.isTTY === true,
};

export function buildProgram(out: (...s: string[]) => void, io: CliIo = processIo, write: (text: string) => void = (t) => io.stdout(t)): Command {
  const program = new Command('keepalive-lab')
    .description('Deterministic simulator of TCP keepalive, retransmission timeouts and the failures they detect (Linux-faithful).')
    .version(VERSION);

  program
    .command('list')
    .description('list the built-in scenarios')
    .action(async () => (await import('./commands/run.ts')).listAction(out));

  program
    .command('run')
    .description('run a built-in scenario or a scenario file (YAML or JSON)')
    .argument('<scenario>', 'built-in name (see `list`) or path to a file')
    .option('--seed <n>', 'override the scenario seed', seedArg)
    .option('--set <path=value>', 'override any scenario field, e.g. hosts.client.socket.TCP_KEEPIDLE=20 (repeatable)', collect, [])
    .option('--until <duration>', 'run to this virtual time (e.g. 300s, 2h)', durationArg('--until'))
    .option('--json', 'print the run as one JSON document (docs/output.md)')
    .option('--timers <duration>', 'print a netstat -o style timer table at this virtual time (repeatable)', collect, [])
    .option('--mermaid <file>', 'also write the run as a Mermaid sequence (ladder) diagram', fileArg('--mermaid'))
    .option('--svg <file>', 'also write the ladder diagram rendered as SVG (docs/diagrams.md)', fileArg('--svg'))
    .option('--ladder-max <n>', 'ladder diagrams: at most this many arrows and notes, the middle of longer runs elided (default 400)', ladderMaxArg)
    .option('--ladder-idle <duration>', 'ladder diagrams: collapse quiet gaps this long into one note (default 60s; 0 = never)', durationArg('--ladder-idle'))
    .option('--timeline <file>', 'also write the timer timeline: .svg, .png, .json (Vega-Lite), or - for text lanes after the trace', fileArg('--timeline'))
    .option('--pcap <file>', 'also write the packets seen at --pcap-at as a capture (.pcapng: pcapng with comments; else pcap)', fileArg('--pcap'))
    .option('--pcap-at <vantage>', 'host, or NAT side (nat, nat:inside, nat:outside), for --pcap; default: the first vantage point')
    .option('--conntrack <duration>', 'print the NAT table (conntrack -L style) at this virtual time (repeatable)', collect, [])
    .option('--vantage <hosts>', 'comma-separated hosts (or NAT names) whose captured packets are printed')
    .option('-v, --verbose', 'also print every state change, timer firing and keepalive-machine transition')
    .option('--summary', 'keep no trace: print the verdict, programs grouped, each connection\'s outcome and what the middleboxes did (big runs in bounded memory; with --json: keepalive-lab/summary@1)')
    .option('--flows <n>', 'with --summary: list this many connections (default 20)', (v: string) => wholeNumber('--flows', v, 0, 1_000_000))
    .option('--stream', 'keep no trace: print the trace as the run goes, and write --pcap / --jsonl as it goes (long runs in bounded memory)')
    .option('--jsonl <file>', 'with --stream: also write every packet, call and event as JSON lines (keepalive-lab/run-lines@1)', fileArg('--jsonl'))
    .addOption(new Option('-c, --count <n>', 'client TCP_KEEPCNT (seed 001 keepalive-client shorthand)').argParser(shorthandArg('-c/--count')))
    .addOption(new Option('-d, --idle <s>', 'client TCP_KEEPIDLE in seconds (shorthand)').argParser(shorthandArg('-d/--idle')))
    .addOption(new Option('-i, --interval <s>', 'client TCP_KEEPINTVL in seconds (shorthand)').argParser(shorthandArg('-i/--interval')))
    .action(async (ref: string, o: RunFlags) => (await import('./commands/run.ts')).runAction(ref, o, out, write, io.maxEvents));

  program
    .command('calibrate')
    .description('run calibration scenarios on the real Linux kernel (network namespaces, root) and in the simulator, and diff them')
    .argument('[scenarios...]', 'calibration suite names (calibrate/scenarios) or scenario files; default: the whole suite')
    .option('--fixture', 'compare with the recorded real-kernel runs (test/fixtures/calibration) instead of running the kernel now')
    .option('--summary', 'print one line per scenario instead of the side-by-side tables')
    .option('--programs', 'the real-program suite instead (calibrate/programs: mosquitto, OpenSSH, HAProxy, Dante; docs/programs.md)')
    .action(async (names: string[], o: { fixture?: boolean; summary?: boolean; programs?: boolean }) => {
      if (o.programs) {
        const { calibrateProgramsCommand } = await import('../calibrate/programs/command.ts');
        const mismatches = await calibrateProgramsCommand(names, { fixture: o.fixture === true, summary: o.summary === true, out });
        if (mismatches > 0) throw new MismatchError(mismatches);
        return;
      }
      const { calibrate } = await import('../calibrate/command.ts');
      const mismatches = await calibrate(names, { fixture: o.fixture === true, summary: o.summary === true, out });
      if (mismatches > 0) throw new MismatchError(mismatches);
    });

  program
    .command('machine')
    .description('print the keepalive state machine as a Mermaid state diagram, generated from its xstate definition')
    .action(async () => {
      const [{ stateDiagram }, { keepaliveMachine }] = await Promise.all([import('../src/report/diagram.ts'), import('../src/tcp/keepalive/machine.ts')]);
      out(stateDiagram(keepaliveMachine).trimEnd());
    });

  program
    .command('schema')
    .description('print the JSON Schema of scenario files (for editors)')
    .action(async () => {
      const [{ z }, { scenarioSchema }] = await Promise.all([import('zod'), import('../src/scenarios/schema.ts')]);
      out(JSON.stringify(z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }), null, 2));
    });

  program
    .command('plot')
    .description('plot sweep results (JSON lines or CSV, one row per run) to SVG, PNG or a Vega-Lite spec (docs/plots.md)')
    .argument('<results>', 'results file: .jsonl or .csv')
    .addOption(new Option('--kind <kind>', 'heatmap (x × y, colour = agg of --color), cdf (distribution of --x per --group), pareto (--y vs --x, front marked), line (median --y vs --x); omitted: the automatic plots for the varied fields').choices(PLOT_KINDS))
    .option('--x <field>', 'x field (cdf: the value whose distribution is drawn)')
    .option('--y <field>', 'y field')
    .option('--color <field>', 'heatmap: the metric aggregated per cell (booleans give proportions)')
    .option('--group <field>', 'cdf/line: one curve per value of this field')
    .option('--label <field>', 'pareto: field(s) naming a setting; runs sharing it are summarised by their median (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
    .addOption(new Option('--agg <agg>', 'heatmap: cell aggregate').choices(PLOT_AGGS).default('mean'))
    .option('-o, --output <file>', `output file; the extension picks the format (${PLOT_FORMATS.join(', ')}); without --kind: a directory`, fileArg('--output'))
    .addOption(new Option('--format <format>', 'without --kind: format of the automatic plots').choices(['svg', 'png', 'json']).default('svg'))
    .action(async (file: string, o: PlotOpts) => (await import('./commands/plot.ts')).plotAction(file, o, out));

  program
    .command('sweep')
    .description('run a scenario over many parameter values and seeds in parallel; report metrics per run and per point (docs/sweeps.md)')
    .argument('[scenario]', 'built-in name or scenario file, or a sweep file (as --file)')
    .option('--file <sweep.yaml>', 'a sweep file (scenario, set, vary, seeds, sample, metrics, until)', fileArg('--file'))
    .option('--vary <path=spec>', 'a field and its values: lo..hi/step (30s..600s/30s, 0..0.05/0.01) or a,b,c (repeatable)', collect, [])
    .option('--set <path=value>', 'a fixed override, as for run (repeatable)', collect, [])
    .option('--seeds <K|a..b|a,b>', 'seeds per point: K means 1..K (default: the scenario seed)')
    .option('--sample <N>', 'draw N random points from the ranges instead of the full grid')
    .option('--sample-seed <n>', 'seed of the sampling stream (default 1)')
    .option('--metrics <names>', 'comma-separated metrics (or prefixes) to keep, docs/metrics.md (default: all)')
    .option('--until <duration>', 'run every scenario to this virtual time')
    .option('--workers <N>', `worker threads, 1..${MAX_WORKERS} (default: available cores; 1 runs on the main thread)`)
    .option('--max-points <N>', `refuse sweeps of more than N runs (points × seeds; default ${DEFAULT_MAX_RUNS}, at most ${HARD_MAX_RUNS}; docs/limits.md)`, integerArg('--max-points', 1, HARD_MAX_RUNS))
    .addOption(new Option('--engine <name>', 'where the runs execute: local threads, or bullmq: `npx keepalive-lab worker` processes on any machines, through Redis (docs/sweeps.md#distributed-sweeps)').choices(['local', 'bullmq']).default('local'))
    .option('--queue <name>', 'bullmq: the queue the workers serve (default keepalive-lab)')
    .option('--chunk <N>', 'bullmq: runs per job (default 64; 1 for runs of minutes)')
    .option('--redis-url-file <file>', 'bullmq: a file holding the Redis URL (default: $KEEPALIVE_LAB_REDIS_URL; never pass it on the command line)')
    .option('--out <prefix>', 'write <prefix>.jsonl (journal), <prefix>.csv, <prefix>.summary.txt and plots (missing folders are created)', fileArg('--out'))
    .option('--resume', 'continue the sweep journaled at --out: run only the missing runs')
    .option('--force', 'overwrite an existing --out journal')
    .option('--no-plots', 'with --out: do not render plots')
    .action(async (ref: string | undefined, f: SweepFlags) => (await import('./commands/sweep.ts')).sweepAction(ref, f, out, io.isTTY === true, (s) => io.stderr(`${s}\n`)));

  program
    .command('worker')
    .description('serve the points of distributed sweeps (sweep --engine bullmq) until stopped; run one per machine (docs/sweeps.md#distributed-sweeps)')
    .addOption(new Option('--engine <name>', 'the queue engine').choices(['bullmq']).default('bullmq'))
    .option('--queue <name>', 'the queue to serve (default keepalive-lab)')
    .option('--concurrency <N>', 'points run in parallel, one thread each (default: available cores)')
    .option('--name <name>', 'name in the coordinator\'s per-worker counts (default host:pid)')
    .option('--redis-url-file <file>', 'a file holding the Redis URL (default: $KEEPALIVE_LAB_REDIS_URL; never pass it on the command line)')
    .option('--lock-duration <duration>', 'a worker silent this long is presumed dead and its chunk runs elsewhere (default 30s)')
    .action(async (f: WorkerFlags) => (await import('./commands/worker.ts')).workerAction(f, (s) => io.stderr(`${s}\n`)));

  program
    .command('advise')
    .description('recommend keepalive settings for a NAT / detection target / loss rate, justified by simulation (docs/advisor.md)')
    .option('--nat <profile>', `NAT or stateful firewall on the path: ${NAT_PROFILE_NAMES.join(', ')}`, natProfile)
    .option('--nat-idle <duration>', 'its idle timeout (overrides the profile), e.g. 240s', seconds('--nat-idle', 1, 10 * 86_400))
    .requiredOption('--detect <duration>', 'notice a dead peer within this time, e.g. 30s', seconds('--detect', 1, 86_400))
    .option('--loss <p>', 'independent packet loss per direction, 0..0.5', number('--loss', 0, 0.5), 0)
    .option('--proxy <profile>', `an application proxy / load balancer on the path (${PROXY_PROFILE_NAMES.join(', ')}): the advice becomes an application heartbeat`, proxyProfile)
    .option('--rtt <duration>', 'round-trip time', seconds('--rtt', 0, 10), 0.02)
    .option('--os <names>', 'OS of both ends, or a comma-separated list the settings must work on: linux, macos, freebsd, windows, or all', osList, ['linux'] as AdvisorOs[])
    .option('--hz <n>', 'CONFIG_HZ of the Linux hosts: 100, 250, 300 or 1000', number('--hz', 100, 1000, true), 250)
    .option('--side <side>', 'which end must notice: client, server or both', 'both')
    .option('--false-alarms <n>', 'accepted false alarms per connection-year', number('--false-alarms', 0, 1000), 0.01)
    .option('--seeds <n>', 'simulated runs per situation', number('--seeds', 1, 1000, true), 20)
    .option('--live-hours <n>', 'length of each simulated live run, hours', number('--live-hours', 0.1, 240), 24)
    .option('--check <idle/intvl/cnt[/ut]>', 'evaluate these settings instead of searching: TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT in s, optional TCP_USER_TIMEOUT in ms, e.g. 60/10/3', triple)
    .option('--json', 'print the advice and its evidence as JSON')
    .action(async (o: AdviseFlags) => (await import('./commands/advise.ts')).adviseAction(o, out));

  program
    .command('compare')
    .description('run a base scenario under each strategy × situation of a compare file and print the table (docs/heartbeats.md)')
    .argument('<file>', 'compare file, or a built-in name (sim/compare/*.yaml, e.g. seed003-strategies)')
    .option('--json', 'print the cells and their per-run metrics as one JSON document')
    .action(async (ref: string, o: { json?: boolean }) => (await import('./commands/compare.ts')).compareAction(ref, o, out));

  return program;
}

/** Most problem lines printed for one input (the rest are counted). */
export const MAX_PROBLEM_LINES = 20;
/** Longest problem line printed (messages cut what they echo; this is the last guard). */
const MAX_LINE = 1000;

/** One `error: …` line per problem, at most MAX_PROBLEM_LINES of them. */
export function problemLines(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_PROBLEM_LINES).map((p) => `error: ${clip(p, MAX_LINE)}\n`);
  if (problems.length > MAX_PROBLEM_LINES) shown.push(`error: … and ${problems.length - MAX_PROBLEM_LINES} more problems\n`);
  return shown.join('');
}

/**
 * commander's own errors (unknown option or command, missing argument or option, a bad
 * choice) as one line: its "(Did you mean …?)" joined in, and where to read the usage
 * instead of the whole help.
 */
function commanderLine(s: string, help: string): string {
  let t = s.trim().replace(/\s*\n\s*\(Did you mean (.*)\?\)\s*$/, ' (did you mean $1?)').replace(/\s*\n\s*/g, ' ');
  // an echoed option, command or value: cut like every other echoed input
  t = t.replace(/'([^']{61,})'/g, (_all, v: string) => `'${clip(v, 60)}'`);
  if (!t.startsWith('error:')) t = `error: ${t}`;
  return `${clip(t, MAX_LINE)} (see ${help})`;
}

/**
 * Run the CLI on `argv` (without node and the script name); resolves to the exit code.
 * Output goes to `io` (the process streams by default), so tests run commands in-process.
 */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const lines: string[] = [];
  const out = (...s: string[]): void => {
    for (const x of s) lines.push(x);
  };
  const flush = (): void => {
    if (lines.length) io.stdout(lines.join('\n') + '\n');
    lines.length = 0;
  };
  // streamed output (run --stream) goes straight to the stream, after anything already said
  const write = (text: string): void => {
    flush();
    io.stdout(text);
  };
  const program = buildProgram(out, io, write);
  for (const c of [program, ...program.commands]) {
    c.exitOverride();
    const help = c === program ? 'npx keepalive-lab --help' : `npx keepalive-lab ${c.name()} --help`;
    c.configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s), outputError: (s, write) => write(`${commanderLine(s, help)}\n`) });
  }
  try {
    if (argv.length === 0) {
      // no command at all: the overview a first-time user is looking for, on stdout (as --help)
      io.stdout(program.helpInformation());
      return 0;
    }
    await program.parseAsync(argv, { from: 'user' });
    flush();
    return 0;
  } catch (e) {
    if (e instanceof MismatchError || e instanceof AdviceFailedError || e instanceof RunsFailedError) {
      flush();
      io.stderr(`${e.message}\n`);
      return 3;
    }
    if (e instanceof InputError) {
      io.stderr(problemLines(e.problems));
      return 2;
    }
    if (e instanceof Error && e.name === 'EventBudgetError') {
      // only with io.maxEvents (the fuzz suite's per-case budget): not a user's mistake, not a crash
      io.stderr(`budget: ${e.message}\n`);
      return 4;
    }
    if (e instanceof CommanderError) {
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version') {
        flush();
        return 0;
      }
      return 2;
    }
    io.stderr(`internal error (please report): ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
