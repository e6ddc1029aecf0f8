/**
 * `keepalive-lab calibrate --programs`: the real-program suite (./compare.ts) with the
 * CLI's error conventions: an unknown name, a missing fixture or a machine that cannot run
 * the programs (not root, a program not installed) is a one-line error with exit code 2.
 */
import { existsSync } from 'node:fs';
import { InputError } from '../../sim/load.ts';
import { HarnessError } from '../kernel.ts';
import { calibratePrograms, type ProgramCalibrateOptions } from './compare.ts';
import { programSuiteNames } from './suite.ts';

const BINARIES: Record<string, string> = { mqtt: '/usr/sbin/mosquitto', ssh: '/usr/sbin/sshd', haproxy: '/usr/sbin/haproxy', dante: '/usr/sbin/danted' };

export async function calibrateProgramsCommand(names: string[], o: ProgramCalibrateOptions): Promise<number> {
  if (!o.fixture) {
    const wanted = names.length > 0 ? names : programSuiteNames();
    const missing = Object.entries(BINARIES).filter(([pre, bin]) => wanted.some((n) => n.startsWith(pre)) && !existsSync(bin)).map(([, bin]) => bin);
    if (missing.length > 0) throw new InputError([`calibrate --programs: ${missing.join(', ')} not installed (Debian: apt-get install mosquitto openssh-server openssh-client haproxy dante-server python3)`]);
  }
  try {
    const r = await calibratePrograms(names, o);
    if (r.unknown.length > 0) throw new InputError([`calibrate --programs: ${r.unknown.join(', ')}: not a real-program scenario${o.fixture ? ' with a recording' : ''} (${programSuiteNames().join(', ')})`]);
    return r.bad;
  } catch (e) {
    if (e instanceof HarnessError) throw new InputError([e.message]);
    throw e;
  }
}
