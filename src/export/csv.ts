/** A CSV cell value. */
export type CsvValue = string | number | boolean | null;

/**
 * One CSV line (RFC 4180, "\r\n" is added by the caller's join). Text cells are quoted when they
 * hold a comma, quote or line break; text starting with = + - @ or a tab/CR (names taken from
 * source paths are untrusted) is prefixed with a quote mark so spreadsheets do not run it as a formula.
 */
export function csvLine(values: readonly CsvValue[]): string {
  return values
    .map((v) => {
      if (v === null) return '';
      if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
      if (typeof v === 'boolean') return v ? 'true' : 'false';
      const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',');
}
