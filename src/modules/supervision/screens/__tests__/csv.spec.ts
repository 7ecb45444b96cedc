import { csvEscape, CsvSyntaxError, parseCsv } from 'src/modules/supervision/screens/csv';

describe('csv', () => {
  it('parses plain, quoted, escaped and multi-line fields with line numbers', () => {
    const text = '\ufefftender,bid\r\n"A,1",100.5\n\n"say ""hi""",2\n"two\nlines",3\nlast,4';
    expect(parseCsv(text)).toEqual([
      { fields: ['tender', 'bid'], line: 1 },
      { fields: ['A,1', '100.5'], line: 2 },
      { fields: ['say "hi"', '2'], line: 4 },
      { fields: ['two\nlines', '3'], line: 5 },
      { fields: ['last', '4'], line: 7 },
    ]);
  });
  it('keeps empty fields', () => {
    expect(parseCsv('a,,\n,b\n')).toEqual([
      { fields: ['a', '', ''], line: 1 },
      { fields: ['', 'b'], line: 2 },
    ]);
  });
  it('rejects an unterminated quote and text after a closing quote', () => {
    expect(() => parseCsv('a,"b\n')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('"a"x,1\n')).toThrow(/after a closing quote on line 1/);
  });
  it('escapes on output only when needed', () => {
    expect(csvEscape('T-1')).toBe('T-1');
    expect(csvEscape('a,b')).toBe('"a,b"');
    expect(csvEscape('say "x"')).toBe('"say ""x"""');
  });
});
