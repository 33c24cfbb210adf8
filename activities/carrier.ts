/**
 * The carrier, through the real `twilio` package. With `apiBaseUrl` set (the simulator), a request
 * client rewrites Twilio's API origin to it; everything else — auth, form encoding, errors — is the
 * unmodified library.
 */
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type { Keyring } from '../services/keyring';
import { openLineToken } from '../services/lines';

export interface LineAccount {
  id: string;
  accountSid: string;
  authToken: string;
}

export type TwilioClient = ReturnType<typeof twilio>;

class RedirectingRequestClient extends twilio.RequestClient {
  constructor(private readonly base: string) {
    super({ keepAlive: true });
  }
  override request<T>(opts: RequestClient.RequestOptions<T>) {
    const url = new URL(opts.uri);
    return super.request<T>({ ...opts, uri: `${this.base}${url.pathname}${url.search}` });
  }
}

export interface Carrier {
  client(line: LineAccount): TwilioClient;
  /**
   * GETs a media URL of the line's account (a recording's audio) with the line's credentials:
   * the bytes, or a CarrierHttpError with the status. The `twilio` client parses every answer as
   * JSON, so audio comes through plain HTTP, to the same origin the client uses.
   */
  download(line: LineAccount, url: string): Promise<Buffer>;
}

export class CarrierHttpError extends Error {
  constructor(
    readonly status: number,
    what: string,
  ) {
    super(`carrier answered ${status} for ${what}`);
    this.name = 'CarrierHttpError';
  }
}

/** A media download gets this long before it is given up (and retried by its activity). */
const DOWNLOAD_TIMEOUT_MS = 60_000;

/** `keyring` opens the line's sealed auth token (services/lines.ts); the clear token lives only inside the client. */
export function createCarrier(opts: { apiBaseUrl?: string; keyring: Keyring }): Carrier {
  const clients = new Map<string, { token: string; client: TwilioClient }>();
  const base = opts.apiBaseUrl?.replace(/\/$/, '');
  return {
    client(line) {
      const cached = clients.get(line.id);
      if (cached && cached.token === line.authToken) return cached.client;
      const client = twilio(line.accountSid, openLineToken(opts.keyring, line.authToken), base ? { httpClient: new RedirectingRequestClient(base) } : {});
      clients.set(line.id, { token: line.authToken, client });
      return client;
    },
    async download(line, url) {
      const u = new URL(url);
      const auth = Buffer.from(`${line.accountSid}:${openLineToken(opts.keyring, line.authToken)}`).toString('base64');
      // a real carrier redirects media to its storage; fetch drops the credentials on the way there
      const res = await fetch(base ? `${base}${u.pathname}${u.search}` : url, { headers: { authorization: `Basic ${auth}` }, signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
      if (!res.ok) {
        await res.body?.cancel();
        throw new CarrierHttpError(res.status, u.pathname.replace(/\/Accounts\/[^/]+/, '/Accounts/…'));
      }
      return Buffer.from(await res.arrayBuffer());
    },
  };
}

/** Twilio error codes Redial acts on. */
export const TwilioCode = {
  invalidTo: 21211,
  unsubscribed: 21610,
  auth: 20003,
  rateLimited: 20429,
} as const;

export function twilioErrorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}
