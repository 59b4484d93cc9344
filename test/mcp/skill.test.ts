import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/contract/index.ts';

/** The installable agent skill: frontmatter an agent runtime reads, links that resolve, real method names. */
const SKILL = resolve(import.meta.dirname, '../../skills/peakform');

describe('skills/peakform', () => {
  it('has a SKILL.md with name and description frontmatter, and every reference it links exists', async () => {
    const text = await readFile(join(SKILL, 'SKILL.md'), 'utf8');
    const front = /^---\n([\s\S]*?)\n---\n/.exec(text)?.[1] ?? '';
    expect(front).toMatch(/^name: peakform$/m);
    expect(front).toMatch(/^description: .{40,1024}$/m);
    const links = [...text.matchAll(/\]\((references\/[^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    const files = await readdir(join(SKILL, 'references'));
    for (const link of links) expect(files).toContain(link.replace('references/', ''));
  });

  it('names only SDK methods that exist', async () => {
    for (const file of await readdir(join(SKILL, 'references'))) {
      const text = await readFile(join(SKILL, 'references', file), 'utf8');
      for (const [, method] of text.matchAll(/client\.(\w+?)(?:Stream)?\(/g)) {
        expect(Object.keys(ROUTES), `${file}: client.${method}`).toContain(method);
      }
    }
  });
});
