/**
 * The run as JSON lines, written as it happens (`run --stream --jsonl FILE`): one object per
 * line with a `type` — `run` (scenario, seed, hosts) first, then `packet`, `call` and `event`
 * records in the order they happen, with the same fields as the run document's `packets`,
 * `calls` and `events` (docs/output.md), and finally `summary`. Nothing is kept but the
 * per-flow sequence bases and the calls still blocked, so a long run needs memory for one
 * record at a time. A call is written when it returns (the document lists a blocking call
 * where it began); calls still blocked at the end are written then, with `pending: true`.
 */
import type { TraceEvent, TraceKind } from '../engine/trace.ts';
import type { CallRecord, RunJson, Summary } from '../scenarios/result.ts';
import type { Scenario } from '../scenarios/schema.ts';
import type { TcpPacket } from '../wire/segment.ts';
import type { World } from '../world.ts';
import { eventRecord, packetRecord, SeqBook, TOOL } from './json.ts';

/** Every kind: the document keeps them all. */
export const JSONL_KINDS: readonly TraceKind[] = ['packet', 'call', 'state', 'timer', 'machine', 'fault', 'error', 'nat', 'app'];

const sec = (us: number): number => us / 1e6;

export class JsonlStream {
  private readonly book = new SeqBook();
  private readonly blocked = new Map<string, CallRecord>();
  /** lines written so far */
  count = 0;

  constructor(
    private readonly world: World,
    private readonly write: (line: string) => void,
  ) {}

  private put(o: object): void {
    this.write(JSON.stringify(o));
    this.count++;
  }

  /** The first line: what ran. */
  start(sc: Scenario, seed: number): void {
    const hosts: RunJson['hosts'] = {};
    for (const h of this.world.net.hosts.values()) hosts[h.name] = { ip: h.ip, os: h.profile.name, hz: h.tb.mode === 'exact' ? 0 : h.tb.hz, timer: h.tb.mode, jiffyPhaseUs: h.tb.phaseUs };
    this.put({ type: 'run', format: 'keepalive-lab/run-lines@1', tool: TOOL, scenario: { ...sc, seed }, seed, hosts });
  }

  feed(e: TraceEvent): void {
    if (e.kind === 'packet' && e.pkt.proto === 'tcp') {
      this.put({ type: 'packet', ...packetRecord(this.world, this.book, e as typeof e & { pkt: TcpPacket }) });
      return;
    }
    if (e.kind === 'call') {
      const key = `${e.host}|${e.app}|${e.call}|${e.start}`;
      if (e.blocked) {
        this.blocked.set(key, { t: sec(e.start), start: sec(e.start), host: e.host, app: e.app, call: e.call, pending: true });
        return;
      }
      this.blocked.delete(key);
      const r: CallRecord = { t: sec(e.t), start: sec(e.start), host: e.host, app: e.app, call: e.call };
      if (e.args) r.args = e.args;
      if (e.result !== undefined) r.result = e.result;
      if (e.errno) r.errno = e.errno;
      this.put({ type: 'call', ...r });
      return;
    }
    if (e.kind === 'fault' && e.killsApps) for (const [k, r] of this.blocked) if (r.host === e.host) this.blocked.delete(k);
    const r = eventRecord(this.world, e);
    if (r) this.put({ type: 'event', ...r });
  }

  /** The last lines: calls still blocked, then the summary. */
  end(summary: Summary): void {
    for (const r of this.blocked.values()) this.put({ type: 'call', ...r });
    this.put({ type: 'summary', ...summary });
  }
}
