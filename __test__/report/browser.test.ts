// Reports in a real browser (issue 10, "Looking"): headless Chromium opens each report offline
// (any request beyond the file is aborted and counted as an error), and the test checks there are
// no console or page errors, every chart's SVG has data marks with a drawn size, and the
// full-page screenshot (written to a temp dir, never kept) is not blank.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report';
import { launchChromium, lookAt, openReport, type Opened } from './browser';
import { classificationRun, halvingRun, regressionRun, searchRun, SPACE } from './fixtures';
import { figures } from './parse';

let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-report-browser-'));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Writes the report, opens it, and checks what every report must satisfy. */
async function opened(name: string, write: (file: string) => Promise<void>): Promise<Opened> {
  const file = path.join(dir, `${name}.html`);
  await write(file);
  const result = await openReport(browser, file, path.join(dir, `${name}.png`));
  expect(result.errors).toEqual([]);
  expect(result.withoutSvg).toEqual([]);
  // Every chart of the file is in the page, with marks the browser laid out at a nonzero size.
  const names = [...figures(await fs.readFile(file, 'utf8')).keys()];
  expect(Object.keys(result.drawnMarks)).toEqual(names);
  for (const [chart, drawn] of Object.entries(result.drawnMarks)) expect(drawn, chart).toBeGreaterThan(0);
  const look = await lookAt(browser, result.screenshot);
  expect(look.width).toBe(1280);
  expect(look.height).toBeGreaterThan(900); // the full page, longer than one screen
  expect(look.colours).toBeGreaterThan(20);
  expect(look.inked).toBeGreaterThan(0.05);
  return result;
}

describe('reports in headless Chromium', () => {
  it('a classification fit: curves, diagnosis and both confusion matrices drawn', async () => {
    const { history, model, dev, test } = await classificationRun();
    const r = await opened('classification', (file) => writeReport(history, file, { model, dev, test }));
    // 9 cells and 9 counts per matrix.
    expect(r.drawnMarks['confusion-dev']).toBe(18);
    expect(r.drawnMarks['confusion-test']).toBe(18);
    // 2 lines and a point per epoch per set.
    expect(r.drawnMarks.loss).toBe(2 + 2 * history.epochs.length);
  });

  it('a regression fit: a point per test example and the y = x line', async () => {
    const { history, model, test } = await regressionRun();
    const r = await opened('regression', (file) => writeReport(history, file, { model, test }));
    expect(r.drawnMarks['scatter-test']).toBe(test.y.length + 1);
  });

  it('a random search and a successive halving', async () => {
    const search = await searchRun();
    const s = await opened('search', (file) => writeReport(search, file));
    expect(s.drawnMarks['hyperparameter-learningRate']).toBe(search.trials.length);
    const halving = await halvingRun();
    const h = await opened('halving', (file) => writeReport(halving, file, { space: SPACE }));
    expect(h.drawnMarks.rungs).toBeGreaterThanOrEqual(halving.trials.length);
  });

  it('the checks catch a broken page (positive control)', async () => {
    const file = path.join(dir, 'broken.html');
    await fs.writeFile(
      file,
      '<!DOCTYPE html><html><body><img src="https://example.com/x.png"><script>console.error("boom")</script>' +
        '<figure class="chart" data-chart="empty"><svg width="10" height="10"><g class="mark-line role-mark"></g></svg></figure>' +
        '<figure class="chart" data-chart="nosvg"></figure></body></html>',
    );
    const r = await openReport(browser, file, path.join(dir, 'broken.png'));
    expect(r.errors).toContain('boom');
    expect(r.errors.some((e) => e.includes('example.com'))).toBe(true);
    expect(r.drawnMarks).toEqual({ empty: 0 });
    expect(r.withoutSvg).toEqual(['nosvg']);
    const look = await lookAt(browser, r.screenshot);
    expect(look.inked).toBeLessThan(0.05);
  });
});
