/**
 * ssh-server -> Debian's sshd, ssh-client -> Debian's ssh, on throw-away keys in the run's
 * work directory (a host key, a client key authorised for root; nothing of the machine's
 * own /etc/ssh or ~/.ssh is read or written: `-f` and `-F /dev/null`).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgramSpec } from '../../src/apps/schema.ts';
import { run } from '../sh.ts';
import { Proc } from './proc.ts';
import { debVersion, type Decision, type LaunchCtx, type RealProgram } from './real.ts';

async function keys(dir: string): Promise<{ host: string; user: string }> {
  const host = join(dir, 'ssh_host_ed25519_key');
  const user = join(dir, 'id_ed25519');
  for (const f of [host, user]) if (!existsSync(f)) await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'keepalive-lab', '-f', f]);
  return { host, user };
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

export async function sshd(c: LaunchCtx, p: Extract<ProgramSpec, { kind: 'ssh-server' }>, tcpKeepAlive: boolean): Promise<RealProgram> {
  const k = await keys(c.dir);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege-separation directory
  writeFileSync(`${k.user}.authorized`, await run(['cat', `${k.user}.pub`]));
  const conf = join(c.dir, `${c.name}.sshd_config`);
  writeFileSync(
    conf,
    [
      `Port ${p.port}`,
      'ListenAddress 0.0.0.0',
      `HostKey ${k.host}`,
      `PidFile ${join(c.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${k.user}.authorized`,
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      'LogLevel VERBOSE',
      `ClientAliveInterval ${p.clientAliveInterval}`,
      `ClientAliveCountMax ${p.clientAliveCountMax}`,
      `TCPKeepAlive ${yesNo(tcpKeepAlive)}`,
      '',
    ].join('\n'),
  );
  const proc = new Proc(c.name, c.ns, ['/usr/sbin/sshd', '-D', '-e', '-f', conf]);
  return {
    version: `OpenSSH sshd ${await debVersion('openssh-server')}`,
    proc,
    role: 'server',
    async start() {
      proc.start();
      await proc.waitListening(p.port);
    },
    // serverloop.c client_alive_check: "Timeout, client not responding from %s"
    decisions: () =>
      proc.lines.flatMap((l): Decision[] => (/Timeout, client not responding/.test(l.text) ? [{ us: l.us, what: 'CLIENT_ALIVE_TIMEOUT', detail: `sshd: ${l.text}` }] : [])),
  };
}

export async function ssh(c: LaunchCtx, p: Extract<ProgramSpec, { kind: 'ssh-client' }>, tcpKeepAlive: boolean): Promise<RealProgram> {
  const k = await keys(c.dir);
  const to = c.ips[p.to];
  if (!to) throw new Error(`${c.name}: unknown peer ${p.to}`);
  const argv = ['/usr/bin/ssh', '-N', '-F', '/dev/null', '-i', k.user, '-p', String(p.port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=INFO',
    '-o', `ServerAliveInterval=${p.serverAliveInterval}`, '-o', `ServerAliveCountMax=${p.serverAliveCountMax}`, '-o', `TCPKeepAlive=${yesNo(tcpKeepAlive)}`, `root@${to}`];
  const proc = new Proc(c.name, c.ns, argv);
  return {
    version: `OpenSSH ssh ${await debVersion('openssh-client')}`,
    proc,
    role: 'client',
    // a binary: the harness starts it at its `start` itself
    async start(t0Us) {
      const { sleepUntil } = await import('../sh.ts');
      void sleepUntil(t0Us + p.start).then(() => proc.start());
    },
    decisions: () =>
      proc.lines.flatMap((l): Decision[] => {
        if (/Timeout, server .* not responding/.test(l.text)) return [{ us: l.us, what: 'SERVER_ALIVE_TIMEOUT', detail: `ssh: ${l.text}` }];
        if (/closed by remote host/.test(l.text)) return [{ us: l.us, what: 'PEER_CLOSED', detail: `ssh: ${l.text}` }];
        return [];
      }),
  };
}
