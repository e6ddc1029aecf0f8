/** A blocking call that never returns is reported as pending, whichever call it is. */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenarios/run.ts';
import { validateScenario } from '../../src/scenarios/validate.ts';

function run(raw: unknown) {
  const v = validateScenario(raw);
  if (!v.ok) throw new Error(v.problems.join('\n'));
  return runScenario(v.scenario).json;
}

describe('pending calls', () => {
  it('a connect() into a cut path is still blocked when the run ends (SYN retries outlast the horizon)', () => {
    const j = run({
      until: '5s',
      hosts: { client: {}, server: {} },
      apps: [
        { host: 'server', steps: [{ call: 'listen', port: 80 }, { call: 'accept' }] },
        { host: 'client', steps: [{ at: '1s', call: 'connect', to: 'server', port: 80 }] },
      ],
      faults: [{ at: 0, type: 'cut' }],
    });
    expect(j.calls.filter((c) => c.pending).map((c) => `${c.host}.${c.call}@${c.start}`)).toEqual(['server.accept@0', 'client.connect@1']);
  });
});
