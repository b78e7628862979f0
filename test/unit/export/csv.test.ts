import { csvLine } from '../../../src/export';

describe('csvLine', () => {
  it('quotes commas, quotes and line breaks (RFC 4180) and leaves plain cells alone', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', 'two\nlines', 3, true, null])).toBe('a,"b,c","say ""hi""","two\nlines",3,true,');
  });

  it('defuses spreadsheet formulas in text taken from source names, not numbers', () => {
    expect(csvLine(['=HYPERLINK("http://x")', '+1', '-2', '@SUM(A1)', -2.5])).toBe(`"'=HYPERLINK(""http://x"")",'+1,'-2,'@SUM(A1),-2.5`);
  });

  it('writes non-finite numbers as empty cells', () => {
    expect(csvLine([Number.NaN, Number.POSITIVE_INFINITY, 0])).toBe(',,0');
  });
});
