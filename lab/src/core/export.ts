/**
 * The scenario file a student takes away: the document with the lab's overrides and seed
 * written into it, comments kept (YAML's document API), so `npx keepalive-lab run FILE`
 * gives the same run. When an override cannot be written in place (a path through a
 * scalar), the whole document is written out instead; either way the result is checked to
 * validate to the same scenario.
 */
import YAML from 'yaml';
import { applyAssignments, parseAssignment } from '../../../src/scenarios/overrides.ts';
import { validateScenario } from '../../../src/scenarios/validate.ts';
import type { Scenario } from '../../../src/scenarios/schema.ts';
import { documentText, type LabState } from './session.ts';

export function scenarioFile(s: LabState, expected: Scenario, raw: unknown): string {
  const text = documentText(s);
  const same = (t: string): boolean => {
    try {
      const v = validateScenario(YAML.parse(t));
      return v.ok && JSON.stringify(v.scenario) === JSON.stringify({ ...expected, seed: s.seed ?? expected.seed });
    } catch {
      return false;
    }
  };
  if (s.file.endsWith('.json')) return whole(s, raw);
  try {
    const doc = YAML.parseDocument(text);
    for (const a of s.set) {
      const [path, value] = parseAssignment(a);
      doc.setIn(path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)), doc.createNode(value));
    }
    if (s.seed !== null) doc.set('seed', s.seed);
    const out = doc.toString({ lineWidth: 0 });
    if (same(out)) return out;
  } catch {
    // fall through to the whole document
  }
  return whole(s, raw);
}

function whole(s: LabState, raw: unknown): string {
  const doc = structuredClone(raw) as Record<string, unknown>;
  applyAssignments(doc, s.set);
  if (s.seed !== null) doc['seed'] = s.seed;
  return `# written by the keepalive lab: ${s.file} with the lab's settings\n${YAML.stringify(doc, { lineWidth: 0 })}`;
}
