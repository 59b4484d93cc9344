/** Writes docs/errors.md from the error catalog: `npx tsx scripts/write-error-docs.ts`. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ERROR_CATALOG } from '../src/domain/error-catalog.ts';

export function errorDocs(): string {
  const rows = Object.entries(ERROR_CATALOG)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, entry]) => `| \`${code}\` | ${entry.status} | ${entry.meaning} | ${entry.fix} |`);
  return `# Error codes

Every error answers \`application/problem+json\` with one of these stable codes (also in the OpenAPI
document as \`x-error-catalog\`, and per operation as \`x-errors\`), a \`detail\` that says how to fix
this instance, and the \`request_id\` (also in the \`x-request-id\` header). Generated from
\`src/domain/error-catalog.ts\` by \`npx tsx scripts/write-error-docs.ts\`; a test keeps the two equal.

| code | status | meaning | how to fix |
|---|---|---|---|
${rows.join('\n')}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(resolve(import.meta.dirname, '../docs/errors.md'), errorDocs());
}
