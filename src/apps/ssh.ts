/**
 * OpenSSH ServerAliveInterval / ServerAliveCountMax (ssh) and ClientAliveInterval /
 * ClientAliveCountMax (sshd).
 *
 * `profile: spec` — the manual pages' mechanism, with exact intervals: when `interval`
 * passes with nothing received from the peer (input reschedules the check), the count of
 * unanswered requests goes up; above count_max the peer is declared dead ("Timeout, server
 * … not responding.", exit 255), otherwise SSH_MSG_GLOBAL_REQUEST "keepalive@openssh.com"
 * with want-reply is sent and the check comes again after another interval. Any reply resets
 * the count. So a dead peer is declared dead count_max × interval after the first unanswered
 * request, (count_max + 1) × interval after the last packet heard: ssh_config(5) "if
 * ServerAliveInterval is 15 and ServerAliveCountMax is left at the default (3) … ssh will
 * disconnect after approximately 45 seconds". sshd_config(5): ClientAliveCountMax 0 disables
 * termination.
 *
 * `profile: openssh-9.2` (the default: Debian 12's OpenSSH 9.2p1, recorded in
 * test/fixtures/programs/ssh-*.real.json; rules read in the V_9_2_P1 sources):
 *  ssh (clientloop.c)
 *  1. the next check is due at the whole second `monotime() + ServerAliveInterval`, set at
 *     every read of input from the server and after every check (`schedule_server_alive_check`;
 *     misc.c `monotime()` is CLOCK_MONOTONIC tv_sec) — so it comes 0-1 s *less* than an
 *     interval after the last packet heard;
 *  2. poll() sleeps until exactly that second (`ptimeout_deadline_monotime`) and the check
 *     runs if no input is ready (`client_wait_until_can_do_something`);
 *  3. the check itself is the spec's (`server_alive_check`: `ssh_packet_inc_alive_timeouts()
 *     > server_alive_count_max` → exit 255, else the request).
 *  sshd (serverloop.c `wait_until_can_do_something`)
 *  4. ppoll() waits ClientAliveInterval from each call (`ptimeout_deadline_sec`), and on a
 *     timeout probes only if `monotime() > last_client_time + client_alive_interval` — a strict
 *     comparison of whole seconds, false after exactly one interval, so the probe comes after
 *     the *second* timeout: every 2 × ClientAliveInterval;
 *  5. input sets last_client_time to the whole second and restarts the wait; a probe sets it
 *     too (`last_client_time = now`);
 *  6. `client_alive_check`: `client_alive_count_max > 0 && inc_alive_timeouts() > count_max`
 *     → "Timeout, client not responding", exit 255 (a FIN), else the request.
 *  So sshd drops a dead client 2 × (count_max + 1) × interval after the last packet.
 * The peer answers the unknown global request with SSH_MSG_REQUEST_FAILURE
 * (serverloop.c / clientloop.c `*_input_global_request`).
 *
 * Sizes (RFC 4253 §6 binary packet, chacha20-poly1305@openssh.com as negotiated by
 * default, PROTOCOL.chacha20poly1305): request payload 1 + 4 + 21 ("keepalive@openssh.com")
 * + 1 = 27 bytes, padded with 4 to a multiple of 8 with the padding-length byte (32), plus the
 * 4-byte length and the 16-byte Poly1305 tag = 52 bytes; REQUEST_FAILURE: 1 + 1 + 6 padding
 * + 4 + 16 = 28 bytes. Key exchange and the session's own traffic are not modelled.
 */
import type { Handle } from '../engine/sim.ts';
import type { Micros } from '../engine/time.ts';
import { hostClock, type WholeSeconds } from './clock.ts';
import type { Ctx, Session } from './program.ts';
import { dial, serve } from './program.ts';
import type { ProgramSpec } from './schema.ts';

type Server = Extract<ProgramSpec, { kind: 'ssh-server' }>;
type Client = Extract<ProgramSpec, { kind: 'ssh-client' }>;

export const SSH_BYTES = { keepaliveRequest: 52, requestFailure: 28 } as const;

/**
 * When the next check is due, given the last input (or check) at `from`. `probe` false:
 * this wake-up only re-arms (sshd's first timeout after input, rule 4).
 */
type Scheduler = (from: Micros, afterInput: boolean) => { at: Micros; probe: boolean };

const S = 1_000_000;
const exactly = (intervalS: number): Scheduler => (from) => ({ at: from + intervalS * S, probe: true });
/** ssh 9.2: the whole second monotime() + interval (rules 1-2). */
const wholeSecond = (clock: WholeSeconds, intervalS: number): Scheduler => (from) => ({ at: clock.at(clock.sec(from) + intervalS), probe: true });
/** sshd 9.2: a wait of exactly one interval, probing only when whole seconds say more than an interval has passed (rules 4-5). */
function sshdWait(clock: WholeSeconds, intervalS: number): Scheduler {
  let last = 0;
  return (from, reset) => {
    if (reset) last = clock.sec(from);
    const at = from + intervalS * S;
    const now = clock.sec(at);
    const probe = now > last + intervalS;
    if (probe) last = now;
    return { at, probe };
  };
}

/** The alive check on one session; returns the input hook (call it for every frame received). */
function aliveCheck(s: Session, intervalS: number, countMax: number, zeroDisables: boolean, next: Scheduler, onDead: (detail: string) => void): (type: string) => void {
  let count = 0;
  let timer: Handle | null = null;
  const schedule = (from: Micros, afterInput: boolean): void => {
    if (intervalS === 0) return;
    s.cancel(timer);
    const n = next(from, afterInput);
    timer = s.at(n.at, () => (n.probe ? check() : schedule(n.at, false)));
  };
  const check = (): void => {
    count++;
    if (count > countMax && !(zeroDisables && countMax === 0)) {
      onDead(`${count - 1} keepalive@openssh.com request${count === 2 ? '' : 's'} unanswered (interval ${intervalS} s, count max ${countMax}): exit 255`);
      return;
    }
    s.send({ type: 'GLOBAL_REQUEST', bytes: SSH_BYTES.keepaliveRequest });
    schedule(s.ctx.sim.now, false);
  };
  schedule(s.ctx.sim.now, true);
  return (type) => {
    if (type === 'REQUEST_FAILURE' || type === 'REQUEST_SUCCESS') count = 0;
    schedule(s.ctx.sim.now, true);
  };
}

function answer(s: Session, type: string): void {
  if (type === 'GLOBAL_REQUEST') s.send({ type: 'REQUEST_FAILURE', bytes: SSH_BYTES.requestFailure });
}

export function sshServer(ctx: Ctx, p: Server): void {
  const clock = p.profile === 'spec' ? null : hostClock(ctx, p.clockPhase);
  serve(ctx, p.port, (s) => {
    const next = clock ? sshdWait(clock, p.clientAliveInterval) : exactly(p.clientAliveInterval);
    const input = aliveCheck(s, p.clientAliveInterval, p.clientAliveCountMax, true, next, (detail) => {
      ctx.decide('CLIENT_ALIVE_TIMEOUT', `Timeout, client not responding: ${detail}`);
      s.close();
    });
    s.handler = {
      onFrame: (f) => {
        input(f.type);
        answer(s, f.type);
      },
      onEnd: () => undefined,
    };
  });
}

export function sshClient(ctx: Ctx, p: Client): void {
  const next = p.profile === 'spec' ? exactly(p.serverAliveInterval) : wholeSecond(hostClock(ctx, p.clockPhase), p.serverAliveInterval);
  dial(ctx, p, (s, lost) => {
    const input = aliveCheck(s, p.serverAliveInterval, p.serverAliveCountMax, false, next, (detail) => {
      ctx.decide('SERVER_ALIVE_TIMEOUT', `Timeout, server ${p.to} not responding: ${detail}`);
      lost();
    });
    s.handler = {
      onFrame: (f) => {
        input(f.type);
        answer(s, f.type);
      },
      onEnd: (reason) => {
        if (reason === 'eof') ctx.decide('PEER_CLOSED', `Connection to ${p.to} closed by remote host.`);
      },
    };
  });
}
