/**
 * OpenSSH ServerAliveInterval / ServerAliveCountMax (ssh) and ClientAliveInterval /
 * ClientAliveCountMax (sshd): the same mechanism on either side.
 *
 * OpenSSH clientloop.c `server_alive_check()` (serverloop.c `client_alive_check()` alike):
 * when `interval` passes with nothing received from the peer (input reschedules the check),
 * `if (ssh_packet_inc_alive_timeouts(ssh) > count_max)` → "Timeout, server … not
 * responding." and exit 255; otherwise send SSH_MSG_GLOBAL_REQUEST "keepalive@openssh.com"
 * with want-reply and check again after another interval. Any reply resets the count
 * (client_global_request_reply / server_input_keep_alive: ssh_packet_set_alive_timeouts(0)).
 * So a dead peer is declared dead `count_max × interval` after the first unanswered request,
 * (count_max + 1) × interval after the last packet heard: ssh_config(5) "if ServerAliveInterval
 * is 15 and ServerAliveCountMax is left at the default (3) … ssh will disconnect after
 * approximately 45 seconds". sshd_config(5): ClientAliveCountMax 0 disables termination.
 * The peer answers the unknown global request with SSH_MSG_REQUEST_FAILURE.
 *
 * Sizes (RFC 4253 §6 binary packet, chacha20-poly1305@openssh.com as negotiated by
 * default, PROTOCOL.chacha20poly1305): request payload 1 + 4 + 21 ("keepalive@openssh.com")
 * + 1 = 27 bytes, padded with 4 to a multiple of 8 with the padding-length byte (32), plus the
 * 4-byte length and the 16-byte Poly1305 tag = 52 bytes; REQUEST_FAILURE: 1 + 1 + 6 padding
 * + 4 + 16 = 28 bytes. Key exchange and the session's own traffic are not modelled.
 */
import type { Handle } from '../engine/sim.ts';
import type { Ctx, Session } from './program.ts';
import { dial, serve } from './program.ts';
import type { ProgramSpec } from './schema.ts';

type Server = Extract<ProgramSpec, { kind: 'ssh-server' }>;
type Client = Extract<ProgramSpec, { kind: 'ssh-client' }>;

export const SSH_BYTES = { keepaliveRequest: 52, requestFailure: 28 } as const;

/** The alive check on one session; returns the input hook (call it for every frame received). */
function aliveCheck(s: Session, intervalS: number, countMax: number, zeroDisables: boolean, onDead: (detail: string) => void): (type: string) => void {
  let count = 0;
  let timer: Handle | null = null;
  const schedule = (): void => {
    if (intervalS === 0) return;
    s.cancel(timer);
    timer = s.after(intervalS * 1_000_000, check);
  };
  const check = (): void => {
    count++;
    if (count > countMax && !(zeroDisables && countMax === 0)) {
      onDead(`${count - 1} keepalive@openssh.com request${count === 2 ? '' : 's'} unanswered (interval ${intervalS} s, count max ${countMax}): exit 255`);
      return;
    }
    s.send({ type: 'GLOBAL_REQUEST', bytes: SSH_BYTES.keepaliveRequest });
    schedule();
  };
  schedule();
  return (type) => {
    if (type === 'REQUEST_FAILURE' || type === 'REQUEST_SUCCESS') count = 0;
    schedule();
  };
}

function answer(s: Session, type: string): void {
  if (type === 'GLOBAL_REQUEST') s.send({ type: 'REQUEST_FAILURE', bytes: SSH_BYTES.requestFailure });
}

export function sshServer(ctx: Ctx, p: Server): void {
  serve(ctx, p.port, (s) => {
    const input = aliveCheck(s, p.clientAliveInterval, p.clientAliveCountMax, true, (detail) => {
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
  dial(ctx, p, (s, lost) => {
    const input = aliveCheck(s, p.serverAliveInterval, p.serverAliveCountMax, false, (detail) => {
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
