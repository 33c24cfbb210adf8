/** Credentials out of any text that is stored, shown or sent (a check's error, an alert, a log line). */

/**
 * Removes what would let a reader log in: the user-info of URLs (`postgres://user:pw@host` →
 * `postgres://[redacted]@host`), `password=…` pairs of connection strings, and PG*PASSWORD /
 * *_TOKEN / *_KEY / *_SECRET assignments. The rest of the text (host, database, the error) stays
 * readable, so the message is still worth something to whoever reads it.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, '$1[redacted]@')
    .replace(/\b(password|passwd|pwd)\s*=\s*('[^']*'|"[^"]*"|[^\s&;]+)/gi, '$1=[redacted]')
    .replace(/\b([A-Z][A-Z0-9_]*(?:PASSWORD|TOKEN|SECRET|_KEY))=([^\s&;]+)/g, '$1=[redacted]');
}
