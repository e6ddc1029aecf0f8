/**
 * Scenario applications: each is a small program that makes timed socket calls one
 * after another, the way the articles' Python scripts do. Blocking calls wait in virtual
 * time. With `onError: stop` the program stops at its first failed call, as an uncaught
 * exception would; its sockets stay as they are (no implicit close).
 */
import type { Host } from '../net/host.ts';
import type { Socket, Result } from '../tcp/socket.ts';
import type { SockOptName } from '../os/profile.ts';
import type { World } from '../world.ts';
import type { AppSpec, SocketOptionsSpec, StepSpec } from './schema.ts';
import { startProgram } from '../apps/index.ts';

export interface AppRun {
  readonly name: string;
  readonly host: Host;
  finished: boolean;
  /** The host is going down: a program started on its current boot dies with it. */
  hostDown(): void;
}

const OPTION_ORDER: (SockOptName | 'SO_RCVBUF')[] = ['SO_KEEPALIVE', 'TCP_KEEPIDLE', 'TCP_KEEPINTVL', 'TCP_KEEPCNT', 'TCP_USER_TIMEOUT', 'TCP_SYNCNT', 'SO_RCVBUF'];

export function applyOptions(s: Socket, opts: SocketOptionsSpec): boolean {
  for (const name of OPTION_ORDER) {
    const v = opts[name];
    if (v === undefined) continue;
    if (!s.setsockopt(name, v).ok) return false;
  }
  return true;
}

/**
 * `instances: N` (docs/scenarios.md "Repeated programs"): N copies of a program, named
 * `<name>#<i>` (i from 0); copy i starts `i × stagger` later and every `at` of its steps
 * moves by as much, so the copies keep their spacing. Without `instances` the spec is kept.
 */
export function expandApps(specs: readonly AppSpec[]): AppSpec[] {
  const out: AppSpec[] = [];
  for (const spec of specs) {
    const { instances, stagger = 0, ...one } = spec;
    if (instances === undefined) {
      out.push(spec);
      continue;
    }
    const base = spec.name ?? spec.host;
    for (let i = 0; i < instances; i++) {
      const d = i * stagger;
      const steps = d === 0 ? one.steps : one.steps.map((st, j) => (st.at !== undefined || j === 0 ? { ...st, at: (st.at ?? 0) + d } : st));
      const p = one.program;
      const program = p && 'start' in p ? { program: { ...p, start: p.start + d } } : {}; // a client program starts i × stagger later
      out.push({ ...one, name: `${base}#${i}`, steps, ...program });
    }
  }
  return out;
}

export function startApp(world: World, spec: AppSpec, hostOpts: SocketOptionsSpec, onFinish: () => void): AppRun {
  if (spec.program) return startProgram(world, { ...spec, program: spec.program }, hostOpts, onFinish); // heartbeat programs (src/apps/)
  const host = world.host(spec.host);
  const name = spec.name ?? spec.host;
  const sim = world.sim;
  const run: AppRun = { name, host, finished: false, hostDown: () => boot >= 0 && boot === host.boot && finish() };
  let boot = -1;
  let listener: Socket | null = null;
  let sock: Socket | null = null;
  let i = 0;

  const alive = (): boolean => host.up && host.boot === boot;
  const finish = (): void => {
    if (run.finished) return;
    run.finished = true;
    onFinish();
  };
  const failed = (): void => (spec.onError === 'continue' ? next() : finish());
  /** A step that needs a socket the program does not have: the call fails like it would (EBADF). */
  const noSocket = (step: StepSpec, errno: 'EBADF' | 'EINVAL' = 'EBADF'): void => {
    const { call, at: _at, ...args } = step;
    const rec = { kind: 'call' as const, t: sim.now, start: sim.now, host: host.name, app: name, call, errno };
    if (sim.trace.on.call) sim.trace.emit(Object.keys(args).length ? { ...rec, args } : rec);
    failed();
  };
  const after = <T>(r: Result<T>): void => (r.ok ? next() : failed());
  const newSocket = (): Socket => world.socket(host, name);

  function next(): void {
    if (boot >= 0 && !alive()) return finish();
    const step = spec.steps[i++];
    if (!step) return finish();
    if (step.at !== undefined && step.at > sim.now) sim.at(step.at, () => exec(step));
    else exec(step);
  }

  function exec(step: StepSpec): void {
    if (boot < 0) boot = host.up ? host.boot : -1;
    if (!alive()) return finish();
    switch (step.call) {
      case 'listen': {
        listener = newSocket();
        if (!applyOptions(listener, hostOpts)) return failed();
        return after(listener.listen(step.port, step.backlog));
      }
      case 'accept':
        if (!listener) return noSocket(step, 'EINVAL');
        return listener.accept((r) => {
          if (r.ok) sock = r.value;
          after(r);
        });
      case 'connect':
        sock = newSocket();
        if (!applyOptions(sock, hostOpts)) return failed();
        return sock.connect(step.to, step.port, after, step.localPort);
      case 'setsockopt':
        return sock ? after(sock.setsockopt(step.name, step.value)) : noSocket(step);
      case 'getsockopt':
        return sock ? after(sock.getsockopt(step.name)) : noSocket(step);
      case 'send':
        return sock ? sendLoop(sock, step.bytes, step.every, step.count ?? (step.every ? Infinity : 1)) : noSocket(step);
      case 'recv':
        return sock ? recvLoop(sock, step.loop) : noSocket(step);
      case 'select':
        return sock ? sock.select(after) : noSocket(step);
      case 'sleep':
        sim.after(step.for, next);
        return;
      case 'shutdown':
        return sock ? after(sock.shutdown(step.how)) : noSocket(step);
      case 'close': {
        const s = sock ?? listener;
        if (!s) return noSocket(step);
        const r = s.close();
        if (s === sock) sock = null;
        else listener = null;
        return after(r);
      }
    }
  }

  function sendLoop(s: Socket, bytes: number, every: number | undefined, left: number): void {
    const r = s.send(bytes);
    if (!r.ok) return failed();
    if (left <= 1 || every === undefined) return next();
    sim.after(every, () => (alive() ? sendLoop(s, bytes, every, left - 1) : finish()));
  }

  function recvLoop(s: Socket, loop: boolean): void {
    s.recv(65536, (r) => {
      if (!r.ok) return failed();
      if (loop && r.value > 0) return recvLoop(s, loop);
      next();
    });
  }

  next();
  return run;
}
