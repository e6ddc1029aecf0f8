/**
 * Heartbeat programs (docs/heartbeats.md): an `apps` entry with `program: { kind, … }`
 * runs one of these instead of a list of steps. Each is a small, faithful model of a real
 * program on top of the socket API; its own decisions are `app` trace events.
 */
import type { AppRun } from '../scenarios/apps.ts';
import type { AppSpec, SocketOptionsSpec } from '../scenarios/schema.ts';
import type { World } from '../world.ts';
import { chatter } from './chatter.ts';
import { grpcClient, grpcServer } from './grpc.ts';
import { mqttBroker, mqttClient } from './mqtt.ts';
import { pingClient, pingServer } from './pingpong.ts';
import type { Ctx } from './program.ts';
import { reaper, sink } from './reaper.ts';
import type { ProgramSpec } from './schema.ts';
import { sshClient, sshServer } from './ssh.ts';

export type { ProgramSpec, ProgramKind } from './schema.ts';
export { programSchemas } from './schema.ts';

export function startProgram(world: World, spec: AppSpec & { program: ProgramSpec }, hostOpts: SocketOptionsSpec, onFinish: () => void): AppRun {
  const host = world.host(spec.host);
  const name = spec.name ?? spec.host;
  const sim = world.sim;
  const boot = host.boot;
  const run: AppRun = { name, host, finished: false, hostDown: () => boot === host.boot && ctx.exit() };
  const ctx: Ctx = {
    world, sim, host, name, hostOpts,
    alive: () => !run.finished && host.up && host.boot === boot,
    decide: (what, detail) => {
      if (sim.trace.on.app) sim.trace.emit({ kind: 'app', t: sim.now, host: host.name, app: name, what, detail });
    },
    exit: () => {
      if (run.finished) return;
      run.finished = true;
      onFinish();
    },
  };
  const p = spec.program;
  switch (p.kind) {
    case 'reaper': reaper(ctx, p); break;
    case 'sink': sink(ctx, p); break;
    case 'ping-server': pingServer(ctx, p); break;
    case 'ping-client': pingClient(ctx, p); break;
    case 'mqtt-broker': mqttBroker(ctx, p); break;
    case 'mqtt-client': mqttClient(ctx, p); break;
    case 'ssh-server': sshServer(ctx, p); break;
    case 'ssh-client': sshClient(ctx, p); break;
    case 'grpc-server': grpcServer(ctx, p); break;
    case 'grpc-client': grpcClient(ctx, p); break;
    case 'chatter': chatter(ctx, p); break;
  }
  return run;
}
