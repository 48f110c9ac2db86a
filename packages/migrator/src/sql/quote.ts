/** An SQL identifier in double quotes, as PostgreSQL's quote_ident would write any name. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
