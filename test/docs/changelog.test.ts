import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** CHANGELOG.md keeps the Keep a Changelog form: Unreleased first, versions newest first, links for each. */
describe('CHANGELOG.md', () => {
  it('has Unreleased, then semantic versions in descending order, each with a date and a link', async () => {
    const text = await readFile(resolve(import.meta.dirname, '../../CHANGELOG.md'), 'utf8');
    const headings = [...text.matchAll(/^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$/gm)];
    expect(headings[0]?.[1]).toBe('Unreleased');
    const versions = headings.slice(1).map((h) => {
      expect(h[2], `${h[1]} has a date`).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(h[1]).toMatch(/^\d+\.\d+\.\d+$/);
      return h[1]!.split('.').map(Number);
    });
    const sorted = [...versions].sort((a, b) => b[0]! - a[0]! || b[1]! - a[1]! || b[2]! - a[2]!);
    expect(versions).toEqual(sorted);
    for (const h of headings) expect(text).toContain(`[${h[1]}]: `);
    for (const section of text.matchAll(/^### (.+)$/gm)) {
      expect(['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security']).toContain(section[1]);
    }
  });
});
