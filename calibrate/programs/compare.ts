/**
 * The real-program suite against the models: each scenario simulated and diffed with its
 * recording (or with a fresh run of the real programs, `live`). Used by `keepalive-lab
 * calibrate --programs` and by the tests. Returns the number of scenarios that differ.
 */
import { existsSync } from 'node:fs';
import { runScenario } from '../../src/scenarios/run.ts';
import type { Scenario } from '../../src/scenarios/schema.ts';
import { diffPrograms, renderProgramDiff, type ProgramDiff } from './diff.ts';
import { runPrograms, type ProgramRunJson } from './run.ts';
import { loadProgramFixture, loadProgramScenario, programFixturePath, programSuiteNames } from './suite.ts';

/** Per scenario: compare from this scenario time (what the model does not play comes before: the SOCKS5 handshake). */
export const COMPARE_FROM: Record<string, number> = { 'dante-seed003': 1.5 };

/**
 * How long ssh takes to start (exec, configuration, keys: its SYN left 0.09-0.16 s after it
 * was launched) and how long the login takes (key-exchange CPU time) are the recording
 * machine's, not the programs' rules. The openssh-9.2 profile takes the login's length as a
 * parameter (`login`, src/apps/ssh-login.ts); both are set here from the recording: the
 * client starts at its SYN, and the login lasts until sshd's first post-login message (the
 * 8th segment it sends: 41, 1088, 1564, 44, 76, 100, 28, then 272 bytes). The run is
 * compared from that message on.
 */
export function sshLoginOf(real: ProgramRunJson, scenario: Scenario): { start: number; login: number; end: number } | null {
  const sshd = scenario.apps.find((a) => a.program?.kind === 'ssh-server' && a.program.profile === 'openssh-9.2');
  if (!sshd) return null;
  const off = (real as { timeBase?: { scenarioOffset: number } }).timeBase?.scenarioOffset ?? 0;
  const at = scenario.vantage?.[0] ?? sshd.host;
  const ps = real.packets.filter((p) => p.at === at && !p.side);
  const syn = ps.find((p) => p.flags === 'S');
  const fromServer = ps.filter((p) => p.src === sshd.host && p.len > 0 && p.kind !== 'retransmission' && p.kind !== 'loss-probe');
  const post = fromServer[7];
  if (!syn || !post) return null;
  return { start: Math.round((syn.t + off) * 1e6), login: Math.round((post.t - syn.t) * 1e6), end: post.t + off };
}

export function compareOne(name: string, real: ProgramRunJson, scenario: Scenario = real.scenario): ProgramDiff {
  const login = sshLoginOf(real, scenario);
  const fit = (a: Scenario['apps'][number]): Scenario['apps'][number] => {
    const p = a.program;
    if (!login || !p || !('profile' in p) || p.profile !== 'openssh-9.2') return a;
    if (p.kind === 'ssh-server') return { ...a, program: { ...p, login: login.login } };
    if (p.kind === 'ssh-client') return { ...a, program: { ...p, login: login.login, start: login.start } };
    return a;
  };
  const sc: Scenario = login ? { ...scenario, apps: scenario.apps.map(fit) } : scenario;
  const sim = runScenario(sc).json;
  const from = login ? login.end - 0.001 : COMPARE_FROM[name];
  return diffPrograms(real, sim, from === undefined ? {} : { from });
}

export interface ProgramCalibrateOptions {
  fixture: boolean;
  summary: boolean;
  out: (...lines: string[]) => void;
}

export async function calibratePrograms(refs: string[], o: ProgramCalibrateOptions): Promise<{ bad: number; unknown: string[] }> {
  const names = refs.length > 0 ? refs : programSuiteNames();
  const known = new Set(programSuiteNames());
  const unknown = names.filter((n) => !known.has(n) || (o.fixture && !existsSync(programFixturePath(n))));
  if (unknown.length > 0) return { bad: 0, unknown };
  let bad = 0;
  for (const n of names) {
    const scenario = loadProgramScenario(n);
    const real = o.fixture ? loadProgramFixture(n) : await runPrograms(scenario);
    const d = compareOne(n, real, scenario);
    if (d.mismatches > 0) bad++;
    const who = [...new Set(real.programs.map((p) => p.program))].join(', ');
    const allowed = d.worstAllowed > 0 ? `, timers/jitter ${(d.worstAllowed * 1000).toFixed(0)} ms in their allowance` : '';
    if (o.summary) o.out(`${d.mismatches === 0 ? 'MATCH   ' : 'MISMATCH'} ${n} (${d.rows.length} rows, worst ${(d.worst * 1000).toFixed(0)} ms of ${(d.tolerance * 1000).toFixed(0)}${allowed}; ${who})`);
    else o.out(renderProgramDiff(d, `${n}: ${who}${o.fixture ? ' (recorded)' : ''} vs the models`), '');
  }
  return { bad, unknown: [] };
}
