import { isPeakformError } from '../domain/errors.ts';
import { UsageError } from './cli-error.ts';
import { describeRemoteError } from './remote/remote-error.ts';
import { type CommandName, USAGE } from './usage.ts';

const COMMANDS: Record<CommandName, () => Promise<(args: string[]) => Promise<number>>> = {
  ingest: async () => (await import('./commands/ingest.ts')).ingestCommand,
  serve: async () => (await import('./commands/serve.ts')).serveCommand,
  token: async () => (await import('./commands/token.ts')).tokenCommand,
  user: async () => (await import('./commands/user.ts')).userCommand,
  team: async () => (await import('./commands/team.ts')).teamCommand,
  app: async () => (await import('./commands/app.ts')).appCommand,
  page: async () => (await import('./commands/page.ts')).pageCommand,
  webhook: async () => (await import('./commands/webhook.ts')).webhookCommand,
  keys: async () => (await import('./commands/keys.ts')).keysCommand,
  activities: async () => (await import('./commands/activities.ts')).activitiesCommand,
  analyze: async () => (await import('./commands/analyze.ts')).analyzeCommand,
  thresholds: async () => (await import('./commands/thresholds.ts')).thresholdsCommand,
  recompute: async () => (await import('./commands/recompute.ts')).recomputeCommand,
  check: async () => (await import('./commands/check.ts')).checkCommand,
  backup: async () => (await import('./commands/backup.ts')).backupCommand,
  report: async () => (await import('./commands/report.ts')).reportCommand,
  dailies: async () => (await import('./commands/dailies.ts')).dailiesCommand,
  demo: async () => (await import('./commands/demo.ts')).demoCommand,
  mcp: async () => (await import('./commands/mcp.ts')).mcpCommand,
  login: async () => (await import('./commands/login.ts')).loginCommand,
  logout: async () => (await import('./commands/logout.ts')).logoutCommand,
  whoami: async () => (await import('./commands/whoami.ts')).whoamiCommand,
};

const HELP = `peakform — an open sports-data analytics engine

Usage:
${Object.values(USAGE)
  .map((usage) => `  ${usage.replaceAll('\n', '\n  ')}`)
  .join('\n\n')}

Where data commands run: --data DIR (a local data dir), else --server URL [--token T] (a remote
server), else $PEAKFORM_SERVER [$PEAKFORM_TOKEN], else $PEAKFORM_DATA, else the server of
\`peakform login\`, else ./peakform-data.
`;

/** Runs one CLI invocation and returns its exit code: 0 ok, 1 a file or request failed, 2 usage. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    process.stderr.write(
      `peakform: unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}.\n`,
    );
    return 2;
  }
  const usage = USAGE[name as CommandName];
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  try {
    const run = await COMMANDS[name as CommandName]();
    return await run(args);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`peakform ${name}: ${error.message}\nUsage: ${usage}\n`);
      return 2;
    }
    if (isPeakformError(error)) {
      process.stderr.write(`peakform ${name}: ${error.message} (${error.code})\n`);
      return 1;
    }
    const remote = describeRemoteError(error);
    if (remote !== undefined) {
      process.stderr.write(`peakform ${name}: ${remote}\n`);
      return 1;
    }
    throw error;
  }
}
