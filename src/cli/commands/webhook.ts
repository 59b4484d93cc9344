import { parseArgs } from 'node:util';
import { runAdmin } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';
import { USAGE } from '../usage.ts';

export const WEBHOOK_USAGE = USAGE.webhook;

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

export async function webhookCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      app: { type: 'string' },
      scheme: { type: 'string' },
      endpoint: { type: 'string' },
      status: { type: 'string' },
      event: { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      after: { type: 'string' },
      limit: { type: 'string' },
      overlap: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const clientId = values.app;
  if (!clientId) throw new UsageError('Name the app: --app CLIENT_ID.');
  const print = (value: unknown, line: string) =>
    process.stdout.write(values.json ? `${JSON.stringify(value)}\n` : `${line}\n`);
  const count = (flag: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} ${text} is not a whole number.`);
    return n;
  };
  switch (action) {
    case 'list': {
      const endpoints = await runAdmin(values.data, { op: 'webhooks.list', clientId });
      print(
        endpoints,
        endpoints
          .map(
            (e) =>
              `${e.id}\t${e.url}\t${e.scheme}\t${e.disabledAtMs === null ? 'enabled' : `disabled: ${e.disabledReason ?? ''}`}`,
          )
          .join('\n'),
      );
      return 0;
    }
    case 'add': {
      const [url] = positionals;
      if (!url) throw new UsageError('Give the URL: peakform webhook add --app CLIENT_ID URL.');
      if (values.scheme !== undefined && values.scheme !== 'sweatstack' && values.scheme !== 'standard')
        throw new UsageError(`--scheme ${values.scheme}: sweatstack or standard.`);
      const endpoint = await runAdmin(values.data, {
        op: 'webhooks.add',
        clientId,
        url,
        scheme: values.scheme as 'sweatstack' | 'standard' | undefined,
      });
      print(endpoint, `${endpoint.id}\t${endpoint.url}\t${endpoint.scheme}`);
      return 0;
    }
    case 'remove':
    case 'enable': {
      const [endpointId] = positionals;
      if (!endpointId)
        throw new UsageError(`Name the endpoint: peakform webhook ${action} --app CLIENT_ID ENDPOINT_ID.`);
      const result = await runAdmin(values.data, {
        op: action === 'remove' ? 'webhooks.remove' : 'webhooks.enable',
        clientId,
        endpointId,
      });
      print(result, `${action === 'remove' ? 'removed' : 'enabled'} ${endpointId}`);
      return 0;
    }
    case 'rotate': {
      const rotated = await runAdmin(values.data, {
        op: 'webhooks.rotate',
        clientId,
        overlapS: count('--overlap', values.overlap),
      });
      print(
        rotated,
        `webhook_secret\t${rotated.webhook_secret}\nprevious_secret_expires_at\t${rotated.previous_secret_expires_at ?? '-'}`,
      );
      return 0;
    }
    case 'deliveries': {
      if (values.status !== undefined && !['pending', 'delivered', 'failed'].includes(values.status))
        throw new UsageError(`--status ${values.status}: pending, delivered or failed.`);
      const deliveries = await runAdmin(values.data, {
        op: 'webhooks.deliveries',
        clientId,
        endpointId: values.endpoint,
        status: values.status as 'pending' | 'delivered' | 'failed' | undefined,
        limit: count('--limit', values.limit),
      });
      print(
        deliveries,
        deliveries
          .map(
            (d) =>
              `${d.id}\t${d.eventId}\t${d.eventType}\t${d.resourceId ?? '-'}\t${d.status}\tattempts ${d.attempts}\tlast ${d.lastStatusCode ?? d.lastError ?? '-'}\tnext ${d.status === 'pending' ? iso(d.nextAttemptAtMs) : '-'}`,
          )
          .join('\n'),
      );
      return 0;
    }
    case 'replay': {
      if (!values.endpoint) throw new UsageError('Name the endpoint: --endpoint ENDPOINT_ID.');
      const result = await runAdmin(values.data, {
        op: 'webhooks.replay',
        clientId,
        endpointId: values.endpoint,
        eventId: values.event,
        start: values.start,
        end: values.end,
      });
      print(result, `replayed ${result.replayed}`);
      return 0;
    }
    case 'events': {
      const events = await runAdmin(values.data, {
        op: 'webhooks.events',
        clientId,
        after: values.after,
        limit: count('--limit', values.limit),
      });
      print(
        events,
        events
          .map(
            (e) =>
              `${e.seq}\t${e.id}\t${e.athleteId}\t${e.eventType}\t${e.resourceId ?? '-'}\t${iso(e.occurredAtMs)}`,
          )
          .join('\n'),
      );
      return 0;
    }
    default:
      throw new UsageError(`Unknown webhook action "${action ?? ''}". Use:\n${WEBHOOK_USAGE}`);
  }
}
