/**
 * The catalogue of run metrics: every column flattenMetrics() produces, with its unit and a
 * one-line definition. docs/metrics.md is the long form; a test keeps the two in step.
 */
export interface MetricInfo {
  /** flat dotted name; `<host>` stands for each end host of the scenario */
  name: string;
  unit: 's' | 'count' | 'bool' | 'text' | 'packets/h' | 'bytes/h' | 'probes/h' | 'bytes';
  description: string;
}

export const METRICS: readonly MetricInfo[] = [
  { name: 'failureAt', unit: 's', description: 'failure instant: the earliest of the first injected fault and the first middlebox action breaking a working flow (NAT expiry/eviction of a live mapping, NAT refusal, proxy idle close); null if none' },
  { name: 'failureCause', unit: 'text', description: 'what failed first: fault, expire, evict, refuse or idle; null if nothing failed' },
  { name: 'detect.<host>', unit: 's', description: 'seconds from the failure instant to the first detection (failed call, EOF, program decision) by an application on <host>; null if it never learned' },
  { name: 'detect.first', unit: 's', description: 'the smallest detect.<host>; null if no application learned of the failure' },
  { name: 'detect.who', unit: 'text', description: 'end hosts that detected the failure, in scenario order, joined with +; none if no one did' },
  { name: 'abort.first', unit: 's', description: 'seconds from the failure instant to the first connection the kernel aborted (keepalive, retransmission or user timeout, reset), whether or not an application was asking' },
  { name: 'falseAlarm', unit: 'bool', description: 'an application detection or a kernel abort came before the failure instant, or with no failure at all (a live connection declared dead)' },
  { name: 'falseAlarm.at', unit: 's', description: 'time of the first false alarm; null if none' },
  { name: 'overhead.connections', unit: 'count', description: 'connections opened by the end hosts (distinct SYN 4-tuples)' },
  { name: 'overhead.packetsPerHour', unit: 'packets/h', description: 'TCP segments sent by end hosts per hour of virtual time, per connection' },
  { name: 'overhead.bytesPerHour', unit: 'bytes/h', description: 'IP bytes (52 + payload per segment) sent by end hosts per hour, per connection' },
  { name: 'overhead.keepaliveProbesPerHour', unit: 'probes/h', description: 'TCP keepalive probes sent by end hosts per hour, per connection' },
  { name: 'overhead.packetsPerHourPerNatEntry', unit: 'packets/h', description: 'end-host segments per hour per NAT mapping created; null without a NAT' },
  { name: 'nat.survived', unit: 'bool', description: 'with a NAT or proxy on the path: no middlebox broke a working flow before the horizon; null without one' },
  { name: 'nat.brokeAt', unit: 's', description: 'virtual time the first working flow was broken by a middlebox; null if none (or no middlebox)' },
  { name: 'exposure.writesAfterFailure', unit: 'count', description: 'successful send() calls into a dead connection: after the failure instant, before the application learned of it (failed call or EOF), their bytes never acknowledged' },
  { name: 'exposure.bytesAfterFailure', unit: 'bytes', description: 'bytes of those writes' },
  { name: 'exposure.seconds', unit: 's', description: 'seconds from the failure instant to the last such write (0 when none); null without a failure' },
];
