/**
 * The cluster files in deploy/ (docs/sweeps.md#on-a-cluster) stay true to the CLI: every flag
 * they pass to `keepalive-lab worker` exists, the queue URL reaches the worker only through
 * the environment variable or file the worker reads, and Redis is configured as BullMQ needs.
 * (No Docker engine or Kubernetes here: this checks what can be checked without them.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildProgram } from '../../sim/cli.ts';
import { URL_ENV, URL_FILE_ENV } from '../../sim/sweep/engine/connection.ts';

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');
const docs = (f: string): Record<string, unknown>[] => YAML.parseAllDocuments(readFileSync(join(DEPLOY, f), 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
const workerFlags = new Set(
  buildProgram(() => undefined)
    .commands.find((c) => c.name() === 'worker')
    ?.options.map((o) => o.long) ?? [],
);

function checkWorkerArgs(args: string[]): void {
  expect(args[0]).toBe('worker');
  for (const a of args.filter((x) => x.startsWith('--'))) expect(workerFlags.has(a), `${a} is not a flag of keepalive-lab worker`).toBe(true);
  expect(args.join(' ')).not.toMatch(/redis:\/\//); // never on the command line
}

describe('deploy/', () => {
  it('compose.yaml: the worker takes real flags and its URL from the environment; Redis never evicts', () => {
    const [c] = docs('compose.yaml') as [{ services: Record<string, { command: string[]; environment: Record<string, string> }> }];
    const w = c.services['worker'];
    checkWorkerArgs(w?.command ?? []);
    expect(Object.keys(w?.environment ?? {})).toEqual([URL_ENV]);
    expect(c.services['redis']?.command.join(' ')).toContain('maxmemory-policy noeviction');
  });

  it('kubernetes/: the worker Deployment takes real flags and reads the URL from the mounted secret', () => {
    const [deployment] = docs('kubernetes/workers.yaml') as [{ spec: { template: { spec: { containers: { args: string[]; env: { name: string; value: string }[]; volumeMounts: { mountPath: string }[] }[] } } } }];
    const ctr = deployment.spec.template.spec.containers[0];
    checkWorkerArgs(ctr?.args ?? []);
    const file = ctr?.env.find((e) => e.name === URL_FILE_ENV)?.value ?? '';
    expect(file.startsWith(`${ctr?.volumeMounts[0]?.mountPath ?? '?'}/`)).toBe(true);
    const redis = docs('kubernetes/redis.yaml') as { kind: string; spec: { template?: { spec: { containers: { command: string[] }[] } } } }[];
    expect(redis.map((d) => d.kind)).toEqual(['Deployment', 'Service']);
    expect(redis[0]?.spec.template?.spec.containers[0]?.command.join(' ')).toContain('maxmemory-policy noeviction');
  });

  it('the Dockerfile runs the CLI the package ships', () => {
    const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
    expect(text).toMatch(/ENTRYPOINT \["node", "\/opt\/keepalive-lab\/bin\/keepalive-lab\.mjs"\]/);
    expect(text).toContain('FROM node:20');
  });
});
