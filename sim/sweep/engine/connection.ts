/**
 * The Redis connection of a distributed sweep. The URL carries credentials, so it is never a
 * command-line flag (a process's arguments are visible to every user of the machine in
 * `ps`, and end up in shell history and job logs): it comes from the environment variable
 * KEEPALIVE_LAB_REDIS_URL, or from a file (`--redis-url-file`, or KEEPALIVE_LAB_REDIS_URL_FILE)
 * such as a mounted Kubernetes or Compose secret. Logs and errors show it only through
 * `redact()`: scheme, host, port and database, never the user name or password.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { InputError } from '../../errors.ts';

export const URL_ENV = 'KEEPALIVE_LAB_REDIS_URL';
export const URL_FILE_ENV = 'KEEPALIVE_LAB_REDIS_URL_FILE';

export interface UrlSource {
  /** `--redis-url-file` */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

const HOW = `set ${URL_ENV}=redis://[user:password@]host:6379[/db] (rediss:// for TLS), or give --redis-url-file <file> (or ${URL_FILE_ENV})`;

/** The queue URL, from the file named by the flag or the environment, else the variable. */
export function redisUrl(src: UrlSource): { url: string; from: string } {
  const env = src.env ?? process.env;
  const file = src.file ?? env[URL_FILE_ENV];
  let url: string | undefined;
  let from: string;
  if (file !== undefined && file !== '') {
    const flag = src.file !== undefined ? '--redis-url-file' : URL_FILE_ENV;
    try {
      url = readFileSync(file, 'utf8').trim();
    } catch (e) {
      throw new InputError([`${flag}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
    }
    from = `${flag} ${file}`;
    // a secret readable by every user of the machine is worth a warning, not a refusal
    if ((statSync(file).mode & 0o004) !== 0) process.emitWarning(`${file} is readable by every user of this machine (chmod 600 it)`, { code: 'KEEPALIVE_LAB_SECRET_MODE' });
  } else {
    url = env[URL_ENV];
    from = URL_ENV;
    if (url === undefined || url.trim() === '') throw new InputError([`--engine bullmq: no queue URL: ${HOW}`]);
    url = url.trim();
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // never echo the value: it may hold a password
    throw new InputError([`${from}: not a URL (expected redis://[user:password@]host:port[/db] or rediss://…)`]);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new InputError([`${from}: the scheme must be redis:// or rediss://, not ${parsed.protocol}//`]);
  if (!/^\/?\d*$/.test(parsed.pathname)) throw new InputError([`${from}: the path must be a database number (/0 … /15)`]);
  return { url, from };
}

/** The URL without credentials, for logs: `redis://host:6379/0`. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}:${u.port || '6379'}/${u.pathname.replace('/', '') || '0'}`;
  } catch {
    return '(invalid URL)';
  }
}

/** An error message with any credential of `url` blotted out (ioredis messages quote host:port only, but be sure). */
export function scrub(message: string, url: string): string {
  let m = message;
  try {
    const u = new URL(url);
    for (const secret of [u.password, decodeURIComponent(u.password), u.username, decodeURIComponent(u.username)]) if (secret.length >= 3) m = m.split(secret).join('***');
  } catch {
    // not a URL: nothing to blot out
  }
  return m;
}

/**
 * An ioredis client for BullMQ (which needs `maxRetriesPerRequest: null`: blocking commands
 * wait through reconnections instead of failing). The first connection must succeed (a wrong
 * URL or password is one line, exit 2); after that, a lost connection is retried every few
 * seconds, logged once per distinct error. ioredis is loaded here, lazily, so the CLI's other
 * commands never pay for it.
 */
export async function connect(url: string, name: string, log: (line: string) => void): Promise<Redis> {
  const { Redis: IORedis } = await import('ioredis');
  const client = new IORedis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: true, retryStrategy: () => null });
  let started = false;
  let last = '';
  client.on('error', (e: Error) => {
    const m = scrub(e.message, url);
    if (started && m !== last) log(`redis ${redact(url)}: ${m} (retrying)`);
    last = m;
  });
  client.on('ready', () => (last = ''));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    client.disconnect();
    throw new InputError([`cannot reach the queue at ${redact(url)}: ${last || scrub((e as Error).message, url)}`]);
  }
  started = true;
  client.options.retryStrategy = (times: number) => Math.min(500 * times, 5000);
  return client;
}
