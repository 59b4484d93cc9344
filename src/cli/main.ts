import { isPeakformError } from '../domain/errors.ts';
import { UsageError } from './cli-error.ts';
import { ACTIVITIES_USAGE, activitiesCommand } from './commands/activities.ts';
import { ANALYZE_USAGE, analyzeCommand } from './commands/analyze.ts';
import { APP_USAGE, appCommand } from './commands/app.ts';
import { BACKUP_USAGE, backupCommand } from './commands/backup.ts';
import { CHECK_USAGE, checkCommand } from './commands/check.ts';
import { DAILIES_USAGE, dailiesCommand } from './commands/dailies.ts';
import { DEMO_USAGE, demoCommand } from './commands/demo.ts';
import { INGEST_USAGE, ingestCommand } from './commands/ingest.ts';
import { KEYS_USAGE, keysCommand } from './commands/keys.ts';
import { LOGIN_USAGE, loginCommand } from './commands/login.ts';
import { LOGOUT_USAGE, logoutCommand } from './commands/logout.ts';
import { MCP_USAGE, mcpCommand } from './commands/mcp.ts';
import { PAGE_USAGE, pageCommand } from './commands/page.ts';
import { RECOMPUTE_USAGE, recomputeCommand } from './commands/recompute.ts';
import { REPORT_USAGE, reportCommand } from './commands/report.ts';
import { SERVE_USAGE, serveCommand } from './commands/serve.ts';
import { TEAM_USAGE, teamCommand } from './commands/team.ts';
import { THRESHOLDS_USAGE, thresholdsCommand } from './commands/thresholds.ts';
import { TOKEN_USAGE, tokenCommand } from './commands/token.ts';
import { USER_USAGE, userCommand } from './commands/user.ts';
import { WEBHOOK_USAGE, webhookCommand } from './commands/webhook.ts';
import { WHOAMI_USAGE, whoamiCommand } from './commands/whoami.ts';
import { describeRemoteError } from './remote/remote-error.ts';

const COMMANDS: Record<string, { usage: string; run: (args: string[]) => Promise<number> }> = {
  ingest: { usage: INGEST_USAGE, run: ingestCommand },
  serve: { usage: SERVE_USAGE, run: serveCommand },
  token: { usage: TOKEN_USAGE, run: tokenCommand },
  user: { usage: USER_USAGE, run: userCommand },
  team: { usage: TEAM_USAGE, run: teamCommand },
  app: { usage: APP_USAGE, run: appCommand },
  page: { usage: PAGE_USAGE, run: pageCommand },
  webhook: { usage: WEBHOOK_USAGE, run: webhookCommand },
  keys: { usage: KEYS_USAGE, run: keysCommand },
  activities: { usage: ACTIVITIES_USAGE, run: activitiesCommand },
  analyze: { usage: ANALYZE_USAGE, run: analyzeCommand },
  thresholds: { usage: THRESHOLDS_USAGE, run: thresholdsCommand },
  recompute: { usage: RECOMPUTE_USAGE, run: recomputeCommand },
  check: { usage: CHECK_USAGE, run: checkCommand },
  backup: { usage: BACKUP_USAGE, run: backupCommand },
  report: { usage: REPORT_USAGE, run: reportCommand },
  dailies: { usage: DAILIES_USAGE, run: dailiesCommand },
  demo: { usage: DEMO_USAGE, run: demoCommand },
  mcp: { usage: MCP_USAGE, run: mcpCommand },
  login: { usage: LOGIN_USAGE, run: loginCommand },
  logout: { usage: LOGOUT_USAGE, run: logoutCommand },
  whoami: { usage: WHOAMI_USAGE, run: whoamiCommand },
};

const HELP = `peakform — an open sports-data analytics engine

Usage:
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage.replaceAll('\n', '\n  ')}`)
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
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(
      `peakform: unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}.\n`,
    );
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`peakform ${name}: ${error.message}\nUsage: ${command.usage}\n`);
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
