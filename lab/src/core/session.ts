/**
 * What the page simulates, without the page: a lab state (a scenario document, `--set`
 * overrides, a seed) prepared exactly as `keepalive-lab run <file> --set … --seed …` prepares
 * it (the same src/ loaders and validation, so the same one-line messages), then run with
 * the library's runScenario. Pure (no DOM), so tests run it under Node next to the CLI.
 */
import { applyAssignments, parseScenarioText } from '../../../src/scenarios/overrides.ts';
import { InputError } from '../../../src/scenarios/input-error.ts';
import { validateScenario } from '../../../src/scenarios/validate.ts';
import { runScenario, type RunOutcome } from '../../../src/scenarios/run.ts';
import type { Scenario } from '../../../src/scenarios/schema.ts';
import { builtin } from './builtins.ts';

export interface LabState {
  /** the built-in scenario this started from (null: a document of the user's own) */
  builtin: string | null;
  /** the document when it is not the built-in's unchanged text */
  text: string | null;
  /** the file name messages use (`seed000-cable-pull.yaml`, or the loaded file's name) */
  file: string;
  /** `--set path=value` overrides, applied in order */
  set: string[];
  /** `--seed`; null = the scenario's own */
  seed: number | null;
}

export const initialState = (name: string): LabState => ({ builtin: name, text: null, file: `${name}.yaml`, set: [], seed: null });

/** The document the state runs: the edited text, else the built-in's. */
export function documentText(s: LabState): string {
  if (s.text !== null) return s.text;
  const b = s.builtin === null ? undefined : builtin(s.builtin);
  return b?.text ?? '';
}

export type Prepared = { ok: true; scenario: Scenario; raw: unknown } | { ok: false; problems: string[] };

/** `--seed` as the CLI checks it (sim/args.ts seedArg). */
export function seedProblem(seed: number | null): string | null {
  if (seed === null) return null;
  if (Number.isInteger(seed) && seed >= 0 && seed <= 2 ** 32 - 1) return null;
  return Number.isInteger(seed) && seed > 0 ? `--seed: ${seed} is out of range 0..4294967295` : `--seed: ${JSON.stringify(String(seed))} is not a whole number (0..4294967295)`;
}

/**
 * The scenario a state describes, or the CLI's problem lines (what `keepalive-lab run`
 * prints after `error: `). The order matches sim/load.ts: parse, overrides, validation.
 */
export function prepare(s: LabState): Prepared {
  const bad = seedProblem(s.seed);
  if (bad) return { ok: false, problems: [bad] };
  if (s.builtin !== null && s.text === null && !builtin(s.builtin)) return { ok: false, problems: [`${s.builtin}: no such file and no built-in scenario by that name (see \`keepalive-lab list\`)`] };
  try {
    const raw = parseScenarioText(documentText(s), s.file);
    const base = structuredClone(raw);
    applyAssignments(raw, s.set);
    const v = validateScenario(raw);
    if (!v.ok) return { ok: false, problems: v.problems.map((p) => `${s.file}: ${p}`) };
    return { ok: true, scenario: v.scenario, raw: base };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, problems: e.problems };
    throw e;
  }
}

export interface RunAt {
  /** µs: take the `netstat -o` and `conntrack -L` tables at this instant (run stops there) */
  snapshot?: number;
}

/** Run a prepared scenario with the state's seed, as `keepalive-lab run` does. */
export function simulate(sc: Scenario, s: LabState, o: RunAt = {}): RunOutcome {
  const seed = s.seed ?? undefined;
  if (o.snapshot === undefined) return runScenario(sc, seed !== undefined ? { seed } : {});
  // the same run up to the instant, with the tables taken there (`run --timers T --conntrack T`)
  const t = o.snapshot;
  return runScenario(sc, { ...(seed !== undefined ? { seed } : {}), until: t, timersAt: [t], conntrackAt: sc.path.middleboxes.some((m) => m.type === 'nat') ? [t] : [] });
}

/** The run document exactly as `keepalive-lab run --json` prints it (sim/commands/run.ts). */
export const runJsonText = (r: RunOutcome): string => JSON.stringify(r.json, null, 1) + '\n';

const shellWord = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** The command a student types to get the same run from the CLI. */
export function cliCommand(s: LabState, extra: string[] = []): string {
  const target = s.text === null && s.builtin !== null ? s.builtin : s.file;
  const words = ['npx', 'keepalive-lab', 'run', target, ...(s.seed !== null ? ['--seed', String(s.seed)] : []), ...s.set.flatMap((a) => ['--set', a]), ...extra];
  return words.map(shellWord).join(' ');
}
