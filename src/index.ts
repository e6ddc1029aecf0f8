/**
 * keepalive-lab's public API. Everything here runs in Node and in a browser: no Node
 * imports, no wall clock, no ambient randomness (DEVELOPERS.md).
 */
export { Sim, type Handle, type SimOptions } from './engine/sim.ts';
export { EventQueue } from './engine/queue.ts';
export { Rng } from './engine/rng.ts';
export { Trace, type TraceEvent, type TraceKind } from './engine/trace.ts';
export { simClock } from './engine/xstate-clock.ts';
export * from './engine/time.ts';
export * from './wire/seq.ts';
export * from './wire/segment.ts';
export type { OsProfile, Sysctls, SockOptName, KeepaliveFacts } from './os/profile.ts';
export { linuxProfile, LINUX_DEFAULTS, modelTimeoutUs } from './os/linux/profile.ts';
export { linuxTimerBase, exactTimerBase, wheelExpiry, wheelGranularity, type TimerBase } from './os/timerbase.ts';
export { World, type HostOptions } from './world.ts';
export { Host } from './net/host.ts';
export { Network, Path, LinkDir, type Hop } from './net/network.ts';
export type { LossSpec } from './net/loss.ts';
export { Socket, type Result, type OptName } from './tcp/socket.ts';
export { Conn } from './tcp/conn.ts';
export { ERRNO, STRERROR, type Errno } from './tcp/errno.ts';
export { keepaliveMachine, type KeepaliveHost } from './tcp/keepalive/machine.ts';
export { scenarioSchema, type Scenario, type ScenarioInput } from './scenarios/schema.ts';
export { validateScenario } from './scenarios/validate.ts';
export { runScenario, type RunOptions, type RunOutcome } from './scenarios/run.ts';
export { checkExpectations } from './scenarios/expect.ts';
export { parseDuration, formatSeconds } from './scenarios/duration.ts';
export type * from './scenarios/result.ts';
export { humanTrace } from './report/human.ts';
export { timerRows, formatNetstat, type TimerRow } from './report/timers.ts';
