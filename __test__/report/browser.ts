// Opening a report in headless Chromium (Debian's package, installed by scripts/test-deps.sh)
// through puppeteer-core (not a test file itself): what a reader's browser would show.
import { promises as fs } from 'node:fs';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
}

export interface Opened {
  /** Console messages of type error and uncaught page errors. */
  errors: string[];
  /** Per figure (data-chart name): how many of its data marks have a nonzero drawn size. */
  drawnMarks: Record<string, number>;
  /** Figures whose inline SVG is missing. */
  withoutSvg: string[];
  screenshot: string;
}

/** Opens `file` (file://, offline), measures every chart's marks and writes a full-page PNG to `screenshot`. */
export async function openReport(browser: Browser, file: string, screenshot: string): Promise<Opened> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  // Offline: a report that tried to fetch anything would fail loudly here.
  await page.setRequestInterception(true);
  page.on('request', (r) => (r.url().startsWith('file:') ? r.continue() : r.abort()));
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  const measured = await page.evaluate(() => {
    const drawnMarks: Record<string, number> = {};
    const withoutSvg: string[] = [];
    for (const figure of Array.from(document.querySelectorAll('figure.chart'))) {
      const name = figure.getAttribute('data-chart') ?? '?';
      const svg = figure.querySelector('svg');
      if (!svg) {
        withoutSvg.push(name);
        continue;
      }
      // Data marks only: vega puts them in groups of class role-mark (axes and legends are others).
      const shapes = Array.from(svg.querySelectorAll('g[class~="role-mark"] > path, g[class~="role-mark"] > rect, g[class~="role-mark"] > line, g[class~="role-mark"] > text'));
      drawnMarks[name] = shapes.filter((s) => {
        const box = s.getBoundingClientRect();
        return box.width > 0 || box.height > 0;
      }).length;
    }
    return { drawnMarks, withoutSvg };
  });
  await page.screenshot({ path: screenshot as `${string}.png`, fullPage: true });
  await page.close();
  return { errors, ...measured, screenshot };
}

export interface PngLook {
  width: number;
  height: number;
  /** Share of pixels that differ from the most common colour (the page background). */
  inked: number;
  /** Distinct colours among the pixels (capped count). */
  colours: number;
}

/** Decodes a PNG in the browser (an <img> drawn on a canvas) and measures how much is drawn on it. */
export async function lookAt(browser: Browser, png: string): Promise<PngLook> {
  const data = `data:image/png;base64,${(await fs.readFile(png)).toString('base64')}`;
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (src) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const counts = new Map<number, number>();
      for (let i = 0; i < pixels.length; i += 4) {
        const key = (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const total = pixels.length / 4;
      const background = Math.max(...counts.values());
      return { width: canvas.width, height: canvas.height, inked: (total - background) / total, colours: counts.size };
    }, data);
  } finally {
    await page.close();
  }
}
