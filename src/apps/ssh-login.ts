/**
 * The SSH login as OpenSSH 9.2p1 plays it (profile openssh-9.2), so that the heartbeats start
 * where the real programs start them: at the end of the login, not at the TCP connect.
 *
 * The exchange is the one every recording shows (test/fixtures/programs/ssh-*.real.json:
 * ssh and sshd of Debian 12, `ssh -N`, an ed25519 user key and host key, the default
 * sntrup761x25519-sha512 key exchange and chacha20-poly1305 cipher), as TCP payload sizes:
 * both banners (41 bytes each, RFC 4253 §4.2), KEXINIT (1560 / 1088), the hybrid key
 * exchange (1208 / 1564 with the server's NEWKEYS), the client's NEWKEYS (16), the
 * ssh-userauth service (44 / 44), "none" and public-key authentication (60 / 76, 140 / 100,
 * 308 / 28 = USERAUTH_SUCCESS), then the client's no-more-sessions@openssh.com request (60;
 * ssh.c `ssh_session2`, for `-N`) and sshd's two post-login messages (272 and 156 bytes,
 * written together: Nagle holds the second until the client's delayed ACK, ~40 ms later,
 * which the simulated TCP does not model, so the script waits for it).
 *
 * Each message is sent a think time after what triggers it (the peer's message it answers,
 * the side's own previous message, or the connection): the medians of the seven recordings
 * (checked in test/calibrate/programs.test.ts). Key exchange is CPU time, so a login takes
 * 0.22-0.55 s there, from the SYN to sshd's post-login messages (median 0.32 s); the `login`
 * parameter (from connect to sshd's post-login messages) scales every CPU think time (not the
 * two waits for a delayed ACK), and the calibration sets it from each recording
 * (calibrate/programs/compare.ts).
 *
 * Where the heartbeats start: ssh's client loop (clientloop.c `client_loop`, its first
 * `schedule_server_alive_check`) once USERAUTH_SUCCESS is read; sshd's session loop
 * (serverloop.c `server_loop2`, whose first `wait_until_can_do_something` sets
 * last_client_time) once it has written its post-login messages (in the recordings its first
 * probe comes 4.02 s after them with ClientAliveInterval 2: its wait starts a few ms later,
 * within the profile's tolerance).
 */
import type { Micros } from '../engine/time.ts';
import type { Session } from './program.ts';

type Side = 'client' | 'server';

interface Step {
  by: Side;
  bytes: number;
  /** the step whose send (own) or arrival (peer's) triggers this one; -1: the connection */
  after: number;
  /** think time, µs (median of the recordings) */
  wait: Micros;
  what: string;
  /** a wait that is TCP's (Nagle until the peer's delayed ACK, ~40 ms), not CPU time: not scaled by `login` */
  tcp?: boolean;
}

const c = (bytes: number, after: number, waitMs: number, what: string): Step => ({ by: 'client', bytes, after, wait: Math.round(waitMs * 1000), what });
const s = (bytes: number, after: number, waitMs: number, what: string): Step => ({ by: 'server', bytes, after, wait: Math.round(waitMs * 1000), what });

export const OPENSSH_92_LOGIN: readonly Step[] = [
  c(41, -1, 2.9, 'banner'),
  s(41, -1, 54.7, 'banner (sshd re-executes itself per connection)'),
  c(1560, 1, 0.7, 'KEXINIT'),
  s(1088, 2, 8.1, 'KEXINIT'),
  c(1208, 3, 99.0, 'KEX_ECDH_INIT (sntrup761x25519)'),
  s(1564, 4, 25.4, 'KEX_ECDH_REPLY, NEWKEYS'),
  c(16, 5, 44.4, 'NEWKEYS'),
  { ...c(44, 6, 43.3, 'SERVICE_REQUEST ssh-userauth (Nagle: after the NEWKEYS is ACKed)'), tcp: true },
  s(44, 7, 0.2, 'SERVICE_ACCEPT'),
  c(60, 8, 0.1, 'USERAUTH_REQUEST none'),
  s(76, 9, 6.6, 'USERAUTH_FAILURE'),
  c(140, 10, 0.2, 'USERAUTH_REQUEST publickey (query)'),
  s(100, 11, 2.6, 'USERAUTH_PK_OK'),
  c(308, 12, 0.8, 'USERAUTH_REQUEST publickey (signed)'),
  s(28, 13, 14.2, 'USERAUTH_SUCCESS'),
  c(60, 14, 2.2, 'GLOBAL_REQUEST no-more-sessions@openssh.com'),
  s(272, 14, 12.3, 'post-login message'),
  { ...s(156, 16, 44.7, 'post-login message (held by Nagle until the delayed ACK)'), tcp: true },
];

/** the step after which each side's heartbeats start */
export const LOGIN_DONE: Record<Side, number> = { client: 14, server: 16 };

/** Connect to sshd's post-login messages along the script's critical path, µs (the default `login`). */
export function scriptDuration(steps: readonly Step[] = OPENSSH_92_LOGIN, cpuOnly = false): Micros {
  const at: Micros[] = [];
  steps.forEach((st, k) => (at[k] = (st.after < 0 ? 0 : (at[st.after] as Micros)) + (cpuOnly && st.tcp ? 0 : st.wait)));
  return at[LOGIN_DONE.server] as Micros;
}

/**
 * Play `side`'s part of the login on a session; `done` runs when this side's heartbeats
 * start. Frames carry their step number, so each side answers the message it waits for
 * whatever TCP did with the bytes.
 */
export function playLogin(sess: Session, side: Side, login: Micros, done: () => void): (type: string, meta: Readonly<Record<string, number | string>> | undefined) => boolean {
  // the CPU think times stretch so that the login lasts `login`; TCP's waits stay as they are
  const total = scriptDuration();
  const cpu = scriptDuration(OPENSSH_92_LOGIN, true);
  const scale = Math.max(0, login - (total - cpu)) / cpu;
  const mine = OPENSSH_92_LOGIN.map((st, k) => ({ ...st, k })).filter((st) => st.by === side);
  let finished = false;
  const fire = (trigger: number): void => {
    for (const st of mine) {
      if (st.after !== trigger) continue;
      sess.after(Math.round(st.tcp ? st.wait : st.wait * scale), () => {
        sess.send({ type: 'LOGIN', bytes: st.bytes, meta: { step: st.k } });
        if (st.k === LOGIN_DONE[side]) finish();
        fire(st.k);
      });
    }
  };
  const finish = (): void => {
    if (finished) return;
    finished = true;
    done();
  };
  fire(-1);
  // the hook for frames read: true when the frame was a login message
  return (type, meta) => {
    if (type !== 'LOGIN') return false;
    const k = Number(meta?.['step']);
    if (k === LOGIN_DONE[side]) finish();
    fire(k);
    return true;
  };
}
