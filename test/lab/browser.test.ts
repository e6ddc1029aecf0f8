/**
 * The browser lab in a real browser: the static build (Vite, as `npm run lab:build` makes
 * it) served from a plain file server, driven in Debian's Chromium by playwright-core.
 * Every expected figure comes from the CLI run in-process for the same scenario, settings
 * and seed, never from a constant. Run times of the built-in scenarios in the page are
 * printed (not asserted); screenshots of the main views go to out/lab-screenshots/.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { available, CHROMIUM, CHROMIUM_PATH, need, TSHARK, tempFile } from '../support/needs.ts';
import { cli } from '../support/cli.ts';

const SHOTS = 'out/lab-screenshots';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml' };

let dir = '';
let server: Server | undefined;
let base = '';
let ctx: BrowserContext | undefined;
const problems: string[] = [];

beforeAll(async () => {
  if (!available(CHROMIUM)) return;
  dir = mkdtempSync(join(tmpdir(), 'kal-lab-'));
  const { build } = await import('vite');
  await build({ configFile: 'lab/vite.config.ts', logLevel: 'warn', build: { outDir: join(dir, 'site'), emptyOutDir: true } });
  // a plain static file server: the build must work with no server code
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = join(dir, 'site', path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(join(dir, 'site')) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((ok) => server?.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
  const { chromium } = await import('playwright-core');
  ctx = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    // no network beyond loopback here: keep Chromium from trying (machines/node.md)
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 720 },
    acceptDownloads: true,
  });
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await ctx?.close();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(fragment: string): Promise<Page> {
  if (!ctx) throw new Error('no browser');
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${base}#${fragment}`);
  await page.locator('#summary li').first().waitFor();
  return page;
}

// page-side code sees the page's globals; this file is type-checked without the DOM library
type LabHook = Record<string, (...x: unknown[]) => unknown>;
const lab = <T>(page: Page, fn: string, ...a: unknown[]): Promise<T> => page.evaluate(([f, args]) => (globalThis as unknown as { keepaliveLab: LabHook }).keepaliveLab[f as string]?.(...(args as unknown[])), [fn, a] as const) as Promise<T>;

/** Wait until the page has run the given overrides (the debounce has passed and the run is drawn). */
async function settled(page: Page, set: string[]): Promise<void> {
  await page.waitForFunction((want) => JSON.stringify(((globalThis as unknown as { keepaliveLab: LabHook }).keepaliveLab.state?.() as { set: string[] }).set) === want, JSON.stringify(set));
  await page.waitForTimeout(50);
}

function detection(out: string): { at: string; after: string } {
  const m = /server learned of it: ETIMEDOUT at ([\d.]+) s, ([\d.]+) s after the fault/.exec(out);
  if (!m) throw new Error(`no server detection in:\n${out}`);
  return { at: m[1] as string, after: m[2] as string };
}

function block(out: string, title: string): string {
  const lines = out.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`== ${title} at `));
  const rest = lines.slice(i + 1);
  const end = rest.findIndex((l) => l === '' || l.startsWith('=='));
  return (end < 0 ? rest : rest.slice(0, end)).join('\n');
}

describe('the browser lab in Chromium', () => {
  it('loads without console errors, runs seed000-cable-pull as the CLI does, and the summary shows its detection time', async (t) => {
    need(t, CHROMIUM);
    const page = await open('scenario=seed000-cable-pull');
    const want = detection((await cli('run', 'seed000-cable-pull')).out);
    await expect.poll(() => page.locator('#summary').innerText()).toContain(`${want.after} s after the fault (at ${want.at} s)`);
    expect(await lab<string>(page, 'runJson')).toBe((await cli('run', 'seed000-cable-pull', '--json')).out);
    await page.screenshot({ path: `${SHOTS}/lab-main-1280x720.png` });
    await page.close();
    expect(problems).toEqual([]);
  });

  it('moving the server keepidle slider changes the detection time to what the CLI prints for that value', async (t) => {
    need(t, CHROMIUM);
    const page = await open('scenario=seed000-cable-pull');
    const slider = page.locator('#k-server-idle-range');
    const box = page.locator('#k-server-idle');
    // keyboard first: the slider is operable without a mouse
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(async () => Number(await box.inputValue())).not.toBe(10);
    // then a drag to a point of its scale, as a mouse would leave it
    await slider.fill('400');
    const value = Number(await box.inputValue());
    expect(value).toBeGreaterThan(10);
    await settled(page, [`hosts.server.socket.TCP_KEEPIDLE=${value}`]);
    const want = detection((await cli('run', 'seed000-cable-pull', '--set', `hosts.server.socket.TCP_KEEPIDLE=${value}`)).out);
    expect(await page.locator('#summary').innerText()).toContain(`${want.after} s after the fault (at ${want.at} s)`);
    expect(await lab<string>(page, 'runJson')).toBe((await cli('run', 'seed000-cable-pull', '--set', `hosts.server.socket.TCP_KEEPIDLE=${value}`, '--json')).out);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('the scrubber at a chosen instant shows the netstat -o timers of `run --timers`', async (t) => {
    need(t, CHROMIUM);
    const page = await open('scenario=seed000-cable-pull');
    for (const at of ['140', '11.146441']) {
      await page.locator('#scrub-s').fill(at);
      await page.locator('#scrub-s').press('Enter');
      const want = block((await cli('run', 'seed000-cable-pull', '--timers', `${at}s`)).out, 'timers');
      await expect.poll(() => page.locator('#netstat').innerText()).toBe(want);
    }
    expect(await page.locator('#sockets').innerText()).toContain('probing'); // 11.146441: the server's probe is out
    await page.locator('#tab-ladder').click();
    await page.locator('#pane-ladder g.message.now').waitFor();
    await page.screenshot({ path: `${SHOTS}/lab-scrubber-ladder.png`, fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
  });

  it('the pcap download is the capture `run --pcap` writes, and tshark reads it', async (t) => {
    need(t, CHROMIUM);
    const page = await open('scenario=seed000-cable-pull');
    await page.locator('#vantage').selectOption('server');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('#dl-pcap').click()]);
    const got = join(dir, 'page.pcap');
    await dl.saveAs(got);
    const bytes = readFileSync(got);
    expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4); // pcap, microsecond timestamps
    const ref = tempFile('cli.pcap', '');
    expect((await cli('run', 'seed000-cable-pull', '--pcap', ref, '--pcap-at', 'server')).code).toBe(0);
    expect(bytes.equals(readFileSync(ref))).toBe(true);
    const [json] = await Promise.all([page.waitForEvent('download'), page.locator('#dl-json').click()]);
    await json.saveAs(join(dir, 'page.json'));
    expect(readFileSync(join(dir, 'page.json'), 'utf8')).toBe((await cli('run', 'seed000-cable-pull', '--json')).out);
    await page.close();
    if (available(TSHARK)) {
      const lines = execFileSync('tshark', ['-r', got, '-T', 'fields', '-e', 'tcp.flags.str'], { encoding: 'utf8' }).trim().split('\n');
      const cliPackets = JSON.parse((await cli('run', 'seed000-cable-pull', '--json')).out).packets.filter((p: { at: string; dropped?: string }) => p.at === 'server' && p.dropped !== 'OUTPUT');
      expect(lines.length).toBe(cliPackets.length);
    }
    need(t, TSHARK);
    expect(problems).toEqual([]);
  });

  it('the share link reproduces the run byte for byte, at the same instant', async (t) => {
    need(t, CHROMIUM);
    const page = await open('scenario=seed000-cable-pull');
    await page.locator('#k-client-idle').fill('30');
    await page.locator('#k-client-idle').press('Enter');
    await settled(page, ['hosts.client.socket.TCP_KEEPIDLE=30']);
    await page.locator('#seed').fill('9');
    await page.locator('#seed').press('Enter');
    await page.waitForFunction(() => ((globalThis as unknown as { keepaliveLab: LabHook }).keepaliveLab.state?.() as { seed: number }).seed === 9);
    await page.locator('#scrub-s').fill('150');
    await page.locator('#scrub-s').press('Enter');
    await page.locator('#copy-link').click();
    const link = page.url();
    const json = await lab<string>(page, 'runJson');
    const other = await ctx!.newPage();
    await other.goto(link);
    await other.locator('#summary li').first().waitFor();
    expect(await lab<string>(other, 'runJson')).toBe(json);
    expect(await lab<number>(other, 'cursor')).toBe(150_000_000);
    expect(json).toBe((await cli('run', 'seed000-cable-pull', '--seed', '9', '--set', 'hosts.client.socket.TCP_KEEPIDLE=30', '--json')).out);
    await page.close();
    await other.close();
    expect(problems).toEqual([]);
  });

  it('a bad value gets the CLI\'s one-line message', async (t) => {
    need(t, CHROMIUM);
    const page = await open('scenario=seed000-cable-pull');
    await page.locator('#k-client-cnt').fill('200');
    await page.locator('#k-client-cnt').press('Enter');
    const r = await cli('run', 'seed000-cable-pull', '--set', 'hosts.client.socket.TCP_KEEPCNT=200');
    await expect.poll(() => page.locator('#problems').innerText()).toBe(r.err.trim());
    await page.close();
    expect(problems).toEqual([]);
  });

  it('pin and compare, a sweep in workers, and the views at 1280x720 and phone width', async (t) => {
    need(t, CHROMIUM);
    const page = await open('scenario=aws-natgw-keepidle-300');
    await page.locator('#pin').click();
    await page.locator('#k-client-idle').fill('360');
    await page.locator('#k-client-idle').press('Enter');
    await settled(page, ['hosts.client.socket.TCP_KEEPIDLE=360']);
    await page.locator('#tab-compare').click();
    await page.getByRole('button', { name: 'Differences' }).click();
    await expect.poll(() => page.locator('#pane-compare td.changed').count()).toBeGreaterThan(0);
    expect(await page.locator('#pane-compare').innerText()).toMatch(/nat\.survived\s+true\s+false/);
    await page.screenshot({ path: `${SHOTS}/lab-compare.png`, fullPage: true });
    await page.getByRole('button', { name: 'Side by side' }).click();
    await page.locator('#pane-compare .compare-grid svg').nth(1).waitFor();
    await page.locator('#tab-timeline').click();
    await page.screenshot({ path: `${SHOTS}/lab-timers.png`, fullPage: true });
    await page.locator('#tab-machine').click();
    await page.locator('#pane-machine g.node.lit').waitFor();
    await page.screenshot({ path: `${SHOTS}/lab-machine.png`, fullPage: true });
    // a fresh page: the sweep's default grid over the scenario as shipped
    const sweep = await open('scenario=aws-natgw-keepidle-300');
    await sweep.locator('#tab-sweep').click();
    await sweep.locator('#sweep-run').click();
    await expect.poll(() => sweep.locator('#sweep-status').innerText(), { timeout: 600_000 }).toMatch(/^50 runs in/);
    expect(await sweep.locator('#sweep-heat .cell.pending').count()).toBe(0);
    // keepidle 300 survives the 350 s-ish timeouts, 600 s survives none below 600 s
    expect(await sweep.locator('#sweep-heat').innerText()).toMatch(/100%/);
    await sweep.screenshot({ path: `${SHOTS}/lab-sweep.png`, fullPage: true });
    await sweep.close();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#tab-ladder').click();
    await page.screenshot({ path: `${SHOTS}/lab-phone.png`, fullPage: false });
    // nothing wider than the phone's screen but the figures, which scroll in their own box
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(overflow).toBeLessThanOrEqual(390);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('in-page run time of every built-in scenario (printed, not asserted)', async (t) => {
    need(t, CHROMIUM);
    const page = await open('scenario=seed000-cable-pull');
    const times = await lab<{ name: string; first: number; median: number }[]>(page, 'time');
    const lines = times.map((x) => `${x.name.padEnd(34)} first ${x.first.toFixed(1).padStart(7)} ms   median of 3 ${x.median.toFixed(1).padStart(7)} ms`);
    const under = times.filter((x) => x.median < 100).length;
    console.log(`in-page run times (Chromium ${ctx?.browser()?.version() ?? ''}):\n${lines.join('\n')}\n${under} of ${times.length} built-in scenarios under 100 ms (median of 3)`);
    expect(times.length).toBeGreaterThan(0);
    await page.close();
    expect(problems).toEqual([]);
  });
});
