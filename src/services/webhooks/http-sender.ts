import { lookup } from 'node:dns/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where webhooks may go (issue 10, safety): https anywhere public; http only to loopback unless
 * `allowHttp`; loopback addresses unless `allowLoopback` is off; private and special ranges
 * (RFC 1918, link-local, CGNAT, unique-local IPv6, multicast, …) only with `allowPrivate`.
 * Names are resolved and the address connected to is the one checked, so DNS cannot point a
 * public name at an internal address.
 */
export interface UrlPolicy {
  allowHttp: boolean;
  allowLoopback: boolean;
  allowPrivate: boolean;
}

export const DEFAULT_URL_POLICY: UrlPolicy = { allowHttp: false, allowLoopback: true, allowPrivate: false };

export class UnsafeUrlError extends Error {}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv6');

type AddressKind = 'loopback' | 'private' | 'public';

/** Classifies an IP address; IPv4-mapped and NAT64 IPv6 addresses count as the IPv4 inside. */
export function classifyAddress(address: string): AddressKind {
  const family = isIP(address);
  if (family === 6) {
    const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (embedded) return classifyAddress(embedded);
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
    if (hex) {
      const n = (Number.parseInt(hex[1]!, 16) << 16) | Number.parseInt(hex[2]!, 16);
      return classifyAddress([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'));
    }
  }
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (LOOPBACK.check(address, type)) return 'loopback';
  if (PRIVATE.check(address, type)) return 'private';
  return 'public';
}

function assertAddressAllowed(address: string, policy: UrlPolicy): void {
  const kind = classifyAddress(address);
  if (kind === 'loopback' && !policy.allowLoopback)
    throw new UnsafeUrlError(`it reaches a loopback address (${address}), which this server does not allow`);
  if (kind === 'private' && !policy.allowPrivate)
    throw new UnsafeUrlError(
      `it reaches a private or special address (${address}), which this server does not allow`,
    );
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** Checks a webhook URL's form (scheme, credentials, literal addresses); throws UnsafeUrlError with the reason. */
export function checkEndpointUrl(text: string, policy: UrlPolicy): URL {
  const url = text.length <= 2048 ? URL.parse(text) : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new UnsafeUrlError('it is not an absolute http(s) URL');
  if (url.username || url.password) throw new UnsafeUrlError('it carries credentials');
  if (url.hash) throw new UnsafeUrlError('it has a fragment');
  const host = hostOf(url);
  const loopbackHost =
    LOOPBACK_NAMES.has(url.hostname) || (isIP(host) !== 0 && classifyAddress(host) === 'loopback');
  if (url.protocol === 'http:' && !loopbackHost && !policy.allowHttp)
    throw new UnsafeUrlError('it is not https (plain http is accepted on loopback only)');
  if (isIP(host) !== 0) assertAddressAllowed(host, policy);
  else if (url.hostname === 'localhost' && !policy.allowLoopback)
    throw new UnsafeUrlError('it reaches loopback, which this server does not allow');
  return url;
}

/** The checked address a URL's host resolves to (the one the request connects to). */
async function resolveChecked(url: URL, policy: UrlPolicy): Promise<{ address: string; family: number }> {
  const host = hostOf(url);
  const family = isIP(host);
  if (family !== 0) {
    assertAddressAllowed(host, policy);
    return { address: host, family };
  }
  const [first] = await lookup(host, { all: true, verbatim: true });
  if (!first) throw new UnsafeUrlError(`${host} does not resolve`);
  assertAddressAllowed(first.address, policy);
  return first;
}

export interface PostResult {
  statusCode: number | null;
  /** Why there was no 2xx: a transport error, a timeout, a refused URL (never response content). */
  error: string | null;
  latencyMs: number;
}

export interface SenderOptions {
  /** Connect + response budget of one attempt. */
  timeoutMs: number;
  policy: UrlPolicy;
  /** Response bytes read before the connection is dropped (the body is not kept). */
  maxResponseBytes?: number;
}

/**
 * POSTs one webhook: checked address, no redirects followed (a 3xx is a failure), a whole-attempt
 * budget, the response body read to a small cap and discarded. Reuses connections per endpoint.
 */
export class WebhookSender {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 16 });

  constructor(private readonly options: SenderOptions) {}

  async post(urlText: string, headers: Record<string, string>, body: string): Promise<PostResult> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const url = checkEndpointUrl(urlText, this.options.policy);
      const target = await Promise.race([
        resolveChecked(url, this.options.policy),
        new Promise<never>((_, reject) =>
          deadline.addEventListener('abort', () => reject(new Error('timeout')), { once: true }),
        ),
      ]);
      const statusCode = await this.send(url, target, headers, body, deadline);
      return {
        statusCode,
        error: statusCode >= 200 && statusCode < 300 ? null : `HTTP ${statusCode}`,
        latencyMs: elapsed(),
      };
    } catch (error) {
      const message =
        error instanceof UnsafeUrlError
          ? `refused: ${error.message}`
          : deadline.aborted
            ? `no answer within ${this.options.timeoutMs} ms`
            : `${(error as NodeJS.ErrnoException).code ?? 'error'}: ${(error as Error).message}`.slice(
                0,
                300,
              );
      return { statusCode: null, error: message, latencyMs: elapsed() };
    }
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  private send(
    url: URL,
    target: { address: string; family: number },
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal,
  ): Promise<number> {
    const cap = this.options.maxResponseBytes ?? 4096;
    // The request connects to the checked address; TLS still verifies the URL's name.
    const pinned: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all)
        callback(null, [{ address: target.address, family: target.family }]);
      else callback(null, target.address, target.family);
    };
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          agent: url.protocol === 'https:' ? this.https : this.http,
          lookup: pinned,
          signal,
        },
        (response: IncomingMessage) => {
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > cap) {
              response.destroy();
              resolve(response.statusCode ?? 0);
            }
          });
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}
