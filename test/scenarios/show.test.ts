/**
 * Echoing user input in messages (src/scenarios/show.ts) and making a parsed document safe
 * to validate (src/scenarios/document.ts): whatever the value, one short line; whatever the
 * document, a plain copy or a list of problems, never an exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip, closest, didYouMean, quote, show } from '../../src/scenarios/show.ts';
import { MAX_DEPTH, plainCopy } from '../../src/scenarios/document.ts';

describe('show / clip / quote', () => {
  it('any value gives one line of bounded length', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true }), (v) => {
        const s = show(v);
        expect(s).not.toMatch(/[\n\r\u2028\u2029]/);
        expect(s.length).toBeLessThanOrEqual(120);
      }),
    );
  });

  it('cuts long text and says how long it was; escapes control characters', () => {
    expect(clip('a'.repeat(100), 10)).toBe('aaaaaaaaaa…(100 characters)');
    expect(quote('b'.repeat(100), 10)).toBe('"bbbbbbbbbb…" (100 characters)');
    expect(quote('a\nb\u0000\u001b"')).toBe('"a\\nb\\u0000\\u001b\\""');
    expect(show(Infinity)).toBe('Infinity');
    expect(show(-0)).toBe('-0');
    const a: unknown[] = [];
    a.push(a);
    expect(show(a)).toBe('[<itself>]');
  });

  it('suggests near misses only', () => {
    expect(didYouMean('cleint', ['client', 'server'])).toBe(' (did you mean "client"?)');
    expect(didYouMean('TCP_KEEPIDEL', ['TCP_KEEPIDLE', 'TCP_KEEPINTVL'])).toBe(' (did you mean "TCP_KEEPIDLE"?)');
    expect(didYouMean('gilbert', ['bernoulli', 'gilbert-elliott'])).toBe(' (did you mean "gilbert-elliott"?)');
    expect(didYouMean('mars', ['client', 'server'])).toBe('');
    expect(closest('x'.repeat(1000), ['x'])).toEqual([]);
  });
});

describe('plainCopy', () => {
  it('copies any JSON value exactly', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (v) => {
        const c = plainCopy(v);
        expect(c.ok).toBe(true);
        if (c.ok) expect(c.doc).toStrictEqual(v);
      }),
    );
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withNullPrototype: true, withSparseArray: true, withMap: true, withSet: true, withDate: true }), (v) => {
        const c = plainCopy(v);
        if (!c.ok) expect(c.problems.length).toBeGreaterThan(0);
      }),
    );
  });

  it('refuses cycles, depth beyond the limit and prototype keys; un-shares aliases', () => {
    const cyc: Record<string, unknown> = {};
    cyc['self'] = cyc;
    expect(plainCopy({ a: cyc })).toEqual({ ok: false, problems: ['a.self: refers to itself (a YAML alias inside its own anchor)'] });
    let deep: unknown = 1;
    for (let i = 0; i < MAX_DEPTH; i++) deep = [deep];
    expect(plainCopy(deep).ok).toBe(true);
    expect(plainCopy([deep]).ok).toBe(false);
    expect(plainCopy(JSON.parse('{"a": {"__proto__": {"x": 1}}}'))).toEqual({ ok: false, problems: ['a.__proto__: "__proto__" is not allowed as a key (it would reach the object\'s prototype)'] });
    const shared = { x: 1 };
    const c = plainCopy({ a: shared, b: shared });
    expect(c.ok && (c.doc as { a: object; b: object }).a !== (c.doc as { a: object; b: object }).b).toBe(true);
  });
});
