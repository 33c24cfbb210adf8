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
}

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
