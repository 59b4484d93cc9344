import { runMcpStdio } from '../../mcp/server.ts';
import { UsageError } from '../cli-error.ts';

export const MCP_USAGE = `peakform mcp
    An MCP server on stdin/stdout with read tools (activities, best-effort curves, metabolic
    profile, training load) over one token: PEAKFORM_URL=http://localhost:8787 PEAKFORM_TOKEN=…`;

export async function mcpCommand(args: string[]): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected arguments: ${args.join(' ')}`);
  if (!process.env.PEAKFORM_URL || !process.env.PEAKFORM_TOKEN) {
    throw new UsageError('set PEAKFORM_URL (the server) and PEAKFORM_TOKEN (an API key or access token)');
  }
  await runMcpStdio(process.env);
  return 0;
}
