import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Reviewed text snapshots of the web app's figures and tables (one file a view). */
const GOLDEN = join(import.meta.dirname, 'golden');

/**
 * Compares a page's text with `golden/<name>.txt`. On a mismatch (or no golden) writes
 * `<name>-changed.txt` beside it for review and fails; `UPDATE_GOLDEN=1` writes the golden instead.
 */
export async function expectGolden(name: string, text: string): Promise<void> {
  const file = join(GOLDEN, `${name}.txt`);
  const changed = join(GOLDEN, `${name}-changed.txt`);
  const actual = `${text.trim()}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    await mkdir(GOLDEN, { recursive: true });
    await writeFile(file, actual);
  }
  const expected = existsSync(file) ? await readFile(file, 'utf8') : null;
  if (expected === actual) {
    await rm(changed, { force: true });
    return;
  }
  await writeFile(changed, actual);
  expect.fail(`${name}: the page differs from test/web/golden/${name}.txt; see ${name}-changed.txt`);
}

/** A figure's caption and summary and a table's caption, headers and rows, one line each. */
export async function figureText(page: Page, testId: string): Promise<string> {
  const figure = page.locator(`[data-testid="${testId}"]`);
  return [
    `# ${testId}`,
    await figure.locator('figcaption').textContent(),
    await figure.locator('p.summary').textContent(),
  ].join('\n');
}

export async function tableText(page: Page, testId: string): Promise<string> {
  const table = page.locator(`table[data-testid="${testId}"]`);
  const lines = [`# ${testId}`, (await table.locator('caption').textContent()) ?? ''];
  for (const row of await table.locator('tr').all())
    lines.push((await row.locator('th, td').allTextContents()).join(' | '));
  return lines.join('\n');
}

/** A definition list as `term: value` lines. */
export async function listText(page: Page, selector: string): Promise<string> {
  const items = await page.locator(`${selector} > dt, ${selector} > dd`).allTextContents();
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += 2) lines.push(`${items[i]}: ${items[i + 1]}`);
  return lines.join('\n');
}
