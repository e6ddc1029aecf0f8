/**
 * Tests that need a tool from outside Node (tshark, root with network namespaces, Jupyter,
 * a Redis server, Chromium…). On a machine without it such a test is skipped with one line
 * naming what to install, and the run ends with a count of the skips and their reasons
 * (test/support/skip-reporter.ts). CI (.ci/run) installs every tool and sets
 * KEEPALIVE_LAB_REQUIRE_TOOLS=1, which turns each such skip into a failure: CI skips nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Set by .ci/run: a missing tool fails the test instead of skipping it. */
export const REQUIRE_TOOLS = process.env['KEEPALIVE_LAB_REQUIRE_TOOLS'] === '1';

export interface Need {
  /** what the skip line calls it */
  name: string;
  /** how to get it on Debian */
  install: string;
  /** present on this machine? (evaluated once, lazily) */
  check: () => boolean;
}

const onPath = (cmd: string, args: string[] = ['--version']): boolean => spawnSync(cmd, args, { stdio: 'ignore', timeout: 60_000 }).status === 0;

const cache = new Map<Need, boolean>();
const has = (n: Need): boolean => {
  let v = cache.get(n);
  if (v === undefined) cache.set(n, (v = n.check()));
  return v;
};

export const TSHARK: Need = { name: 'tshark', install: 'apt-get install tshark', check: () => onPath('tshark', ['-v']) };

/** jq: the docs' recipes for the --json document pipe through it (test/docs). */
export const JQ: Need = { name: 'jq', install: 'apt-get install jq', check: () => onPath('jq') };

/** root, network namespaces, iptables, tcpdump, ethtool and ping: the real-kernel calibration harness. */
export const NETNS: Need = {
  name: 'root with network namespaces, iptables, tcpdump and ethtool',
  install: 'run as root; apt-get install iproute2 iptables tcpdump ethtool iputils-ping',
  check: () => {
    if (process.getuid?.() !== 0 || !onPath('iptables') || !onPath('tcpdump') || !onPath('ethtool') || !onPath('ping', ['-V'])) return false;
    const ns = `kal-probe-${process.pid}`;
    const ok = spawnSync('ip', ['netns', 'add', ns], { stdio: 'ignore' }).status === 0;
    if (ok) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    return ok;
  },
};

export const JUPYTER: Need = {
  name: 'Jupyter (jupyter_client) with the Deno kernel',
  install: 'apt-get install jupyter-client python3-ipykernel; npm run notebooks:kernel',
  check: () => spawnSync('/usr/bin/python3', ['-c', 'import jupyter_client'], { stdio: 'ignore' }).status === 0,
};

export const DEJAVU: Need = {
  name: 'the DejaVu fonts',
  install: 'apt-get install fonts-dejavu-core',
  check: () => {
    try {
      execFileSync('test', ['-f', '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf']);
      return true;
    } catch {
      return false;
    }
  },
};

/** Debian's Chromium, driven by playwright-core (no browser download): the browser lab's tests (test/lab/). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM: Need = { name: 'Chromium', install: 'apt-get install chromium', check: () => onPath(CHROMIUM_PATH, ['--version']) };
/** A Redis server binary (distributed sweeps: the tests start their own on a free port). */
export const REDIS: Need = { name: 'redis-server', install: 'apt-get install redis-server', check: () => onPath('redis-server', ['--version']) && onPath('redis-cli', ['--version']) };

/** The line a skipped test carries (and the failure CI reports instead). */
export const skipLine = (n: Need): string => `needs ${n.name} (${n.install})`;

/**
 * In a test body: return when every need is met; otherwise skip this test with one line, or
 * (KEEPALIVE_LAB_REQUIRE_TOOLS=1) fail it.
 */
export function need(ctx: { skip: (note?: string) => never }, ...needs: Need[]): void {
  for (const n of needs) {
    if (has(n)) continue;
    if (REQUIRE_TOOLS) throw new Error(`KEEPALIVE_LAB_REQUIRE_TOOLS=1 but this test ${skipLine(n)}`);
    ctx.skip(skipLine(n));
  }
}

/** For describe-level gating: true when every need is met (no skip recorded). */
export const available = (...needs: Need[]): boolean => needs.every(has);

/** A scratch directory removed after `fn`. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'kal-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Write `text` into a fresh temp dir and return the file's path (left for the OS to clean). */
export function tempFile(name: string, text: string | Uint8Array): string {
  const p = join(mkdtempSync(join(tmpdir(), 'kal-')), name);
  writeFileSync(p, text);
  return p;
}

/** The real programs of calibrate/programs (issue 19): Debian's mosquitto, OpenSSH, HAProxy, Dante. */
export const GRPC: Need = {
  name: 'python3-grpcio (gRPC core)',
  install: 'apt-get install python3-grpcio',
  check: () => spawnSync('/usr/bin/python3', ['-c', 'import grpc']).status === 0,
};

export const PROGRAMS: Need = {
  name: 'mosquitto, sshd, haproxy and danted',
  install: 'apt-get install mosquitto openssh-server openssh-client haproxy dante-server',
  check: () => ['/usr/sbin/mosquitto', '/usr/sbin/sshd', '/usr/sbin/haproxy', '/usr/sbin/danted'].every((f) => spawnSync('test', ['-x', f]).status === 0),
};
