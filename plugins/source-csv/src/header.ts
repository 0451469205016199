import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Split one CSV record into fields (RFC 4180: `"` quotes, `""` inside quotes). Returns the fields and the index
 * just past the record's line end, or `undefined` when the text ends inside the record (a quoted field still open).
 */
export function parseRecord(text: string, start = 0): { fields: string[]; end: number } | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = start;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      fields.push(field);
      return { fields, end: ch === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1 };
    } else field += ch;
    i++;
  }
  if (quoted) return undefined;
  fields.push(field);
  return { fields, end: text.length };
}

/** The header line of a CSV file (its column names), read from the first bytes only; `[]` for an empty file. */
export function readCsvHeader(path: string): string[] {
  const fd = openSync(path, 'r');
  try {
    let text = '';
    const buffer = Buffer.alloc(1 << 16);
    for (let offset = 0; ; ) {
      const n = readSync(fd, buffer, 0, buffer.length, offset);
      if (n === 0) break;
      offset += n;
      text += buffer.toString('utf8', 0, n);
      const newline = text.search(/[\r\n]/);
      // The header ends at the first line end outside quotes; column names rarely hold line ends, but be exact.
      if (newline >= 0) {
        const record = parseRecord(text);
        if (record && record.end < text.length) return clean(record.fields);
      }
      if (offset > 1 << 24) break;
    }
    const record = parseRecord(text);
    return record ? clean(record.fields) : [];
  } finally {
    closeSync(fd);
  }
}

function clean(fields: string[]): string[] {
  if (fields.length === 1 && fields[0].trim() === '') return [];
  if (fields.length > 0) fields[0] = fields[0].replace(/^\uFEFF/, '');
  return fields;
}
