/**
 * Temporal payloads encrypted with the keyring's data keys (AES-256-GCM): workflow inputs,
 * signals, queries' answers, activity arguments and results, memos. The Temporal server, its
 * database and its UI hold ciphertext; the key id travels in the payload's metadata, so payloads
 * sealed under a retired key still open while that key stays listed. Used by every client and
 * worker (services/temporal-client.ts) and by the codec server (api/routes/codec.ts) that lets
 * the Temporal UI and CLI show clear text to operators.
 */
import { DefaultFailureConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { open, seal, type Keyring } from './keyring';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID_METADATA = 'encryption-key-id';
/** Bound into every ciphertext: a payload cannot be passed off as a sealed column or vice versa. */
const AAD = 'temporal-payload';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | null | undefined) => (b ? new TextDecoder().decode(b) : undefined);

export function createPayloadCodec(keyring: Keyring): PayloadCodec {
  return {
    async encode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((p) => {
        const { keyId, data } = seal(keyring, temporal.api.common.v1.Payload.encode(p).finish(), AAD);
        return { metadata: { encoding: text(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text(keyId) }, data };
      });
    },
    async decode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((p) => {
        if (str(p.metadata?.encoding) !== ENCRYPTED_ENCODING) return p; // written before encryption: clear
        const keyId = str(p.metadata?.[KEY_ID_METADATA]);
        if (!keyId || !p.data) throw new Error('an encrypted payload without its key id or data');
        return temporal.api.common.v1.Payload.decode(open(keyring, keyId, p.data, AAD));
      });
    },
  };
}

/**
 * The data converter every Redial client and worker uses: Temporal's default converters, then
 * encryption; failure messages and stack traces are moved into an encrypted payload too (a
 * carrier's error text may quote a number), so the server stores "Encoded failure".
 */
export const dataConverterOf = (keyring: Keyring) => ({
  payloadCodecs: [createPayloadCodec(keyring)],
  failureConverter: new DefaultFailureConverter({ encodeCommonAttributes: true }),
});
