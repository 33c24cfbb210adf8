/** What a spreadsheet may run as a formula: a trigger first, or after leading whitespace (\s covers NBSP and the ideographic space). */
const FORMULA = /^(?:[=+\-@\t\r\n]|\s+[=+\-@])/;

/**
 * One CSV cell, quoted as RFC 4180 needs, and safe to open in a spreadsheet: a cell that starts
 * with = + - @ tab CR or LF, or with whitespace before one of = + - @ (spreadsheets trim it), is
 * prefixed with ' so it is never a formula.
 */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
  if (FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV document: a header row and one row per record, CRLF-terminated. */
export const csvTable = (header: string[], rows: unknown[][]) => [header, ...rows].map((r) => `${r.map(csvCell).join(',')}\r\n`).join('');

/**
 * A streaming CSV reader (RFC 4180): quoted fields with commas, doubled quotes and line breaks,
 * CRLF or LF, a leading UTF-8 BOM. Yields one array of fields per record, never holding the file.
 */
export async function* readCsv(chunks: AsyncIterable<string>): AsyncGenerator<{ fields: string[]; line: number }> {
  let field = '';
  let fields: string[] = [];
  let quoted = false;
  let afterQuote = false;
  let line = 1;
  let recordLine = 1;
  let first = true;
  let any = false;
  for await (let chunk of chunks) {
    if (first) {
      chunk = chunk.replace(/^\uFEFF/, '');
      first = false;
    }
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i]!;
      any = true;
      if (quoted) {
        if (ch === '"') {
          if (chunk[i + 1] === '"') {
            field += '"';
            i++;
          } else {
            // closing, unless the next chunk starts with the second quote of a doubled pair
            quoted = false;
            afterQuote = true;
          }
        } else {
          if (ch === '\n') line++;
          field += ch;
        }
        continue;
      }
      if (afterQuote && ch === '"') {
        // the doubled quote was split across chunks
        field += '"';
        quoted = true;
        afterQuote = false;
        continue;
      }
      afterQuote = false;
      if (ch === '"' && field === '') quoted = true;
      else if (ch === ',') {
        fields.push(field);
        field = '';
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r' && chunk[i + 1] === '\n') i++;
        fields.push(field);
        if (!(fields.length === 1 && fields[0] === '')) yield { fields, line: recordLine };
        fields = [];
        field = '';
        line++;
        recordLine = line;
      } else field += ch;
    }
  }
  if (quoted) throw new CsvError(`unterminated quoted field starting on line ${recordLine}`);
  if (any && (field !== '' || fields.length)) {
    fields.push(field);
    yield { fields, line: recordLine };
  }
}

export class CsvError extends Error {}

export async function* textChunks(stream: ReadableStream<Uint8Array> | null): AsyncGenerator<string> {
  if (!stream) return;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    yield decoder.decode(value, { stream: true });
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}
