/**
 * Ends the test run with what was skipped and why, one line per reason
 * ("8 skipped: needs tshark (apt-get install tshark)"), so a fresh machine's green run
 * says what it did not check. With KEEPALIVE_LAB_REQUIRE_TOOLS=1 (CI) there are none:
 * test/support/needs.ts fails those tests instead.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SkipReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const reasons = new Map<string, number>();
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const r = t.result();
        if (r.state !== 'skipped') continue;
        const why = r.note ?? 'skipped in the test file (it.skip / skipIf)';
        reasons.set(why, (reasons.get(why) ?? 0) + 1);
      }
    }
    if (!reasons.size) return;
    const total = [...reasons.values()].reduce((a, b) => a + b, 0);
    const lines = [...reasons].map(([why, n]) => `  ${n} × ${why}`);
    process.stdout.write(`\n${total} test(s) skipped on this machine:\n${lines.join('\n')}\n`);
  }
}
