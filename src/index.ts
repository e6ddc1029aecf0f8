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
export type { OsProfile, Sysctls, SockOptName, KeepaliveFacts, OsSockOptName, SockOptEffect, SockOptSpec, RtoPolicy } from './os/profile.ts';
export { OS_NAMES, OS_MODULES, buildOs, checkOsSockopt, checkHostOs, sockoptNames, type OsName, type OsModule, type KnobSpec, type ParamSpec, type ParamValues, type Built } from './os/index.ts';
export { rexmtValUs, rtoAtShiftUs, rtoDeathTotalUs } from './os/rto.ts';
export { tickTimerBase } from './os/timers.ts';
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
// views the course notebooks use (notebooks/, docs/teaching.md)
export { formatConntrack, type ConntrackRow } from './report/conntrack.ts';
export { toPcap, vantagePoints, type PcapOptions } from './report/pcap.ts';
export { ladderDiagram, stateDiagram, type LadderOptions } from './report/diagram.ts';
export { natConfig, NAT_PROFILE_NAMES, type NatProfileName } from './net/nat/profiles.ts';
export { timeline, timelineText, timelineSpec, type Timeline } from './report/timeline.ts';
export { heatmapSpec, cdfSpec, paretoSpec, lineSpec, autoPlotSpecs, paretoFront, ecdf, type Row, type Spec } from './report/plots.ts';
// run metrics (docs/metrics.md)
export { computeMetrics, flattenMetrics, METRICS, type RunMetrics, type MetricInfo, type FlatValue } from './metrics/index.ts';
// sweeps, the pure part (docs/sweeps.md; the runner with worker threads is sim/sweep/runner.ts)
export { parseVary, parseDimension, parseSeeds, gridValues, SweepSpecError, type Dimension, type Value as SweepValue } from './sweep/spec.ts';
export { planPoints, planRuns, type Point, type PlannedRun } from './sweep/plan.ts';
export { quantile, wilson, summarizeValues, summarizePoints, type PointSummary, type MetricSummary } from './sweep/stats.ts';
export { formatSummary, toCsv } from './sweep/table.ts';
export { sweepFileSchema, type SweepFile } from './sweep/schema.ts';
// the settings advisor (docs/advisor.md; its CLI text is sim/commands/advise.ts formatAdvice)
export { advise, natIdleOf, type AdviceInput, type Advice, type Check as AdviceCheck } from './advisor/index.ts';
// heartbeat programs and compare files (docs/heartbeats.md)
export { startProgram, programSchemas, type ProgramSpec, type ProgramKind } from './apps/index.ts';
export { compareSchema, type CompareSpec } from './apps/compare-schema.ts';
export type { AppEvent } from './engine/trace.ts';
// loading scenario text and `--set` overrides, shared by the CLI and the browser lab (lab/)
export { parseScenarioText, setPath, parseAssignment, applyAssignments } from './scenarios/overrides.ts';
export { InputError } from './scenarios/input-error.ts';
