import { runMcpStdio } from '../../mcp/server.ts';
import { UsageError } from '../cli-error.ts';
import { NotSignedInError } from '../remote/remote-error.ts';
import { requireRemote } from '../remote/session.ts';
import { USAGE } from '../usage.ts';

export const MCP_USAGE = USAGE.mcp;

export async function mcpCommand(args: string[]): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected arguments: ${args.join(' ')}`);
  const { PEAKFORM_URL: url, PEAKFORM_TOKEN: token } = process.env;
  if (url && token) {
    await runMcpStdio(process.env);
    return 0;
  }
  const session = url
    ? undefined
    : await requireRemote({}).catch((error: unknown) => {
        if (error instanceof NotSignedInError) return undefined;
        throw error;
      });
  if (!session) {
    throw new UsageError(
      'set PEAKFORM_URL (the server) and PEAKFORM_TOKEN (an API key or access token), or sign in with peakform login',
    );
  }
  await runMcpStdio(process.env, session.client);
  return 0;
}
