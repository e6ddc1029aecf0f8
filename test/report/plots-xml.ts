/**
 * A small XML well-formedness check for the SVG tests (no XML parser is installed): tags
 * balanced and properly nested, attributes quoted and unique, text free of raw `<` and of
 * `&` outside entities. Returns the element names in document order.
 */
export function xmlElements(xml: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  let i = 0;
  const text = (s: string): void => {
    if (/&(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)/.test(s)) throw new Error(`bad & in text near ${JSON.stringify(s.slice(0, 40))}`);
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) {
      text(xml.slice(i));
      break;
    }
    text(xml.slice(i, lt));
    if (xml.startsWith('<!--', lt)) i = xml.indexOf('-->', lt) + 3;
    else if (xml.startsWith('<![CDATA[', lt)) i = xml.indexOf(']]>', lt) + 3;
    else if (xml.startsWith('<?', lt)) i = xml.indexOf('?>', lt) + 2;
    else if (xml.startsWith('<!', lt)) i = xml.indexOf('>', lt) + 1;
    else {
      const m = /^<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(xml.slice(lt));
      if (!m) throw new Error(`malformed tag at ${lt}: ${JSON.stringify(xml.slice(lt, lt + 60))}`);
      const [all, close, name, attrs, self] = m as unknown as [string, string, string, string, string];
      if (close) {
        const open = stack.pop();
        if (open !== name) throw new Error(`</${name}> closes <${open ?? 'nothing'}> at ${lt}`);
      } else {
        const seen = new Set<string>();
        for (const a of attrs.matchAll(/([A-Za-z_][\w:.-]*)\s*=\s*("[^"]*"|'[^']*')/g)) {
          if (seen.has(a[1] as string)) throw new Error(`duplicate attribute ${a[1]} on <${name}>`);
          seen.add(a[1] as string);
          text((a[2] as string).slice(1, -1));
        }
        names.push(name);
        if (!self) stack.push(name);
      }
      i = lt + all.length;
    }
    if (i <= lt) throw new Error(`unterminated markup at ${lt}`);
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (names[0] !== 'svg') throw new Error(`root element is <${names[0] ?? 'none'}>, not <svg>`);
  return names;
}

/** Width and height from a PNG's IHDR chunk, after checking the 8-byte signature. */
export function pngSize(b: Uint8Array): { width: number; height: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!sig.every((x, k) => b[k] === x)) throw new Error('not a PNG (bad signature)');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (String.fromCharCode(...b.slice(12, 16)) !== 'IHDR') throw new Error('no IHDR chunk');
  return { width: v.getUint32(16), height: v.getUint32(20) };
}
