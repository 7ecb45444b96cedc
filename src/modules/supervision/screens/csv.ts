/**
 * Minimal RFC 4180 CSV reader/writer used by the screen CLI and the evaluation script. Pure, no I/O.
 * Handles quoted fields (commas, doubled quotes and line breaks inside quotes), CRLF/LF/CR line ends and a
 * leading UTF-8 BOM. Completely empty lines are skipped.
 */

export interface CsvRecord {
  /** Field values, unquoted. */
  fields: string[];
  /** 1-based physical line number where the record starts. */
  line: number;
}

export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

/** Parse CSV text into records. Throws CsvSyntaxError on an unterminated quote or text after a closing quote. */
export function parseCsv(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const len = text.length;
  let line = 1;
  let recordLine = 1;
  let fields: string[] = [];
  let field = '';
  let fieldStarted = false; // whether the current record has any content (to skip empty lines)

  const endRecord = () => {
    if (fieldStarted || fields.length > 0) {
      fields.push(field);
      out.push({ fields, line: recordLine });
    }
    fields = [];
    field = '';
    fieldStarted = false;
  };

  while (i < len) {
    const ch = text[i];
    if (ch === '"' && field === '') {
      // quoted field
      fieldStarted = true;
      const startLine = line;
      i++;
      let closed = false;
      while (i < len) {
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          closed = true;
          break;
        }
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        field += c;
        i++;
      }
      if (!closed) throw new CsvSyntaxError(`unterminated quoted field starting on line ${startLine}`, startLine);
      const next = text[i];
      if (i < len && next !== ',' && next !== '\n' && next !== '\r') {
        throw new CsvSyntaxError(`unexpected character ${JSON.stringify(next)} after a closing quote on line ${line}`, line);
      }
      continue;
    }
    if (ch === ',') {
      fieldStarted = true;
      fields.push(field);
      field = '';
      i++;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    fieldStarted = true;
    field += ch;
    i++;
  }
  endRecord();
  return out;
}

/** Quote a field if it contains a comma, a quote or a line break. */
export function csvEscape(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
