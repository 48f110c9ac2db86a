import { tokens, type Token } from '../rewrite.js';

function identifierValue(token: Token): string {
  return token.text.startsWith('"') ? token.text.slice(1, -1).replace(/""/g, '"') : token.text.toLowerCase();
}

/**
 * The relation `schema.name` (a relationKey) spelled as the statement spells it (`"auth"."users"`),
 * or undefined when it is not found as written. Keeps drizzle-kit's quoting in the help.
 */
export function relationText(sql: string, key: string | undefined): string | undefined {
  if (!key) return undefined;
  const dot = key.indexOf('.');
  const schema = key.slice(0, dot);
  const name = key.slice(dot + 1);
  const found = tokens(sql);
  for (let i = 0; i < found.length; i++) {
    const token = found[i]!;
    if (identifierValue(token) !== name) continue;
    const before = found[i - 1];
    const qualifier = found[i - 2];
    if (before?.text === '.' && qualifier && identifierValue(qualifier) === schema) return sql.slice(qualifier.start, token.end);
    if (before?.text !== '.' && schema === 'public') return token.text;
  }
  return undefined;
}
