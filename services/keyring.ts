/**
 * The server's secrets, in one place: the data keys that seal what must not be read at rest
 * (Temporal payloads, carrier auth tokens) and the secret behind keyed hashes (cadence workflow
 * ids, API key hashes). Both come from configuration (REDIAL_DATA_KEYS, REDIAL_HASH_SECRET), never
 * from code; `npm start` generates them once into its data folder.
 *
 * Data keys rotate: REDIAL_DATA_KEYS lists `id:base64` pairs, the first is the write key and the
 * others still open what they sealed. The hash secret does not rotate (a cadence id must stay
 * the same for the same person).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open as openFd, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

export interface Keyring {
  /** The key new data is sealed with. */
  writeKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
  hashSecret: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A sealed text: `sealed:v1:<key id>:<base64url of iv | ciphertext | tag>`. */
const SEALED_PREFIX = 'sealed:v1:';

function decodeSecret(value: string): Buffer {
  const v = value.trim();
  const b = /^[0-9a-f]{64,}$/i.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
  return b;
}

/**
 * Parses the configured secrets, failing with a message that names the variable and never echoes
 * a key. `dataKeys`: `k2:BASE64,k1:BASE64` (32-byte AES-256 keys, base64 or hex).
 */
export function parseKeyring(dataKeys: string, hashSecret: string): Keyring {
  const keys = new Map<string, Buffer>();
  let writeKeyId: string | undefined;
  for (const part of dataKeys.split(',').map((p) => p.trim()).filter(Boolean)) {
    const i = part.indexOf(':');
    const id = i > 0 ? part.slice(0, i) : '';
    if (!KEY_ID.test(id)) throw new Error('REDIAL_DATA_KEYS: each entry is "<key id>:<base64 32-byte key>", the key id of letters, digits, _ or -');
    const key = decodeSecret(part.slice(i + 1));
    if (key.length !== 32) throw new Error(`REDIAL_DATA_KEYS: key "${id}" must be 32 bytes (AES-256), base64 or hex; it is ${key.length}`);
    if (keys.has(id)) throw new Error(`REDIAL_DATA_KEYS: key id "${id}" appears twice`);
    keys.set(id, key);
    writeKeyId ??= id;
  }
  if (!writeKeyId) throw new Error('REDIAL_DATA_KEYS is empty: give at least one "<key id>:<base64 32-byte key>" (the first one seals new data)');
  const secret = decodeSecret(hashSecret);
  if (secret.length < 32) throw new Error('REDIAL_HASH_SECRET must be at least 32 bytes (base64 or hex)');
  return { writeKeyId, keys, hashSecret: secret };
}

/** Fresh secrets in the configured form, for a first start or a test. */
export function generateSecrets(keyId = 'k1'): { REDIAL_DATA_KEYS: string; REDIAL_HASH_SECRET: string } {
  return { REDIAL_DATA_KEYS: `${keyId}:${randomBytes(32).toString('base64')}`, REDIAL_HASH_SECRET: randomBytes(32).toString('base64') };
}

/** AES-256-GCM under the write key; `aad` binds the ciphertext to its use. */
export function seal(k: Keyring, plain: Uint8Array, aad = ''): { keyId: string; data: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', k.keys.get(k.writeKeyId)!, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { keyId: k.writeKeyId, data: Buffer.concat([iv, body, cipher.getAuthTag()]) };
}

export class UnknownKeyError extends Error {
  constructor(keyId: string) {
    super(`data sealed under key "${keyId}", which is not in REDIAL_DATA_KEYS (keep retired keys listed after the write key)`);
  }
}

export function open(k: Keyring, keyId: string, data: Uint8Array, aad = ''): Buffer {
  const key = k.keys.get(keyId);
  if (!key) throw new UnknownKeyError(keyId);
  const buf = Buffer.from(data);
  if (buf.length < IV_BYTES + TAG_BYTES) throw new Error('sealed data is too short');
  const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
  return Buffer.concat([decipher.update(buf.subarray(IV_BYTES, buf.length - TAG_BYTES)), decipher.final()]);
}

/** A secret for a text column: sealed under the write key, tagged with its purpose. */
export function sealText(k: Keyring, plain: string, purpose: string): string {
  const { keyId, data } = seal(k, Buffer.from(plain, 'utf8'), purpose);
  return `${SEALED_PREFIX}${keyId}:${data.toString('base64url')}`;
}

export const isSealed = (value: string) => value.startsWith(SEALED_PREFIX);

/** Opens a sealed text column; a value stored before sealing (clear) is returned as it is. */
export function openText(k: Keyring, value: string, purpose: string): string {
  if (!isSealed(value)) return value;
  const rest = value.slice(SEALED_PREFIX.length);
  const i = rest.indexOf(':');
  return open(k, rest.slice(0, i), Buffer.from(rest.slice(i + 1), 'base64url'), purpose).toString('utf8');
}

/** HMAC-SHA256 of a value for one purpose (a cadence id, an API key hash), hex. */
export function keyedHash(k: Keyring, purpose: string, value: string): string {
  return createHmac('sha256', k.hashSecret).update(purpose).update('\0').update(value).digest('hex');
}

const FILE_MAGIC = 'REDIAL-SEALED-FILE-1\n';

/**
 * Seals a file (a database backup) under the write key, streaming: `MAGIC`, the key id and a
 * newline, the IV, the ciphertext, then the GCM tag. The clear file is not removed here.
 */
export async function sealFile(k: Keyring, src: string, dst: string, purpose: string): Promise<void> {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', k.keys.get(k.writeKeyId)!, iv);
  cipher.setAAD(Buffer.from(purpose));
  const out = createWriteStream(dst, { mode: 0o600, flags: 'wx' });
  out.write(Buffer.concat([Buffer.from(`${FILE_MAGIC}${k.writeKeyId}\n`), iv]));
  await pipeline(createReadStream(src), cipher, out, { end: false });
  await new Promise<void>((resolve, reject) => out.end(cipher.getAuthTag(), (err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Opens a file sealed by `sealFile` into `dst` (0600); fails on a wrong key, purpose or any altered byte. */
export async function openFile(k: Keyring, src: string, dst: string, purpose: string): Promise<void> {
  const { size } = await stat(src);
  const handle = await openFd(src, 'r');
  let header: Buffer;
  try {
    header = Buffer.alloc(Math.min(size, 256));
    await handle.read(header, 0, header.length, 0);
  } finally {
    await handle.close();
  }
  if (!header.subarray(0, FILE_MAGIC.length).equals(Buffer.from(FILE_MAGIC))) throw new Error('not a sealed Redial file');
  const nl = header.indexOf(0x0a, FILE_MAGIC.length);
  const keyId = header.subarray(FILE_MAGIC.length, nl).toString();
  const key = k.keys.get(keyId);
  if (!key) throw new UnknownKeyError(keyId);
  const ivAt = nl + 1;
  const iv = header.subarray(ivAt, ivAt + IV_BYTES);
  const tag = Buffer.alloc(TAG_BYTES);
  const tail = await openFd(src, 'r');
  try {
    await tail.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await tail.close();
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(purpose));
  decipher.setAuthTag(tag);
  await pipeline(createReadStream(src, { start: ivAt + IV_BYTES, end: size - TAG_BYTES - 1 }), decipher, createWriteStream(dst, { mode: 0o600 }));
}
