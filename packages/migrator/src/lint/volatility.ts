import { nameList, walk } from '../sql/ast.js';

/** Function volatility, for the DEFAULT of ADD COLUMN: a volatile one is computed for every existing row. */

/** A function's volatility as pg_proc.provolatile writes it: immutable, stable, volatile. */
export type Volatility = 'i' | 's' | 'v';

/** What the schema says about functions: lower-case unqualified name -> volatility (SchemaKnowledge has it). */
export interface KnownFunctions {
  readonly functions: ReadonlyMap<string, Volatility>;
}

/** Functions whose result changes per row: a DEFAULT calling one must be evaluated for every existing row. */
const VOLATILE = new Set([
  'random', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4', 'uuidv4', 'uuidv7',
  'clock_timestamp', 'timeofday', 'nextval', 'setval', 'random_normal', 'gen_random_bytes',
]);

/**
 * Built-in functions that are stable or immutable (pg_proc.provolatile `s` or `i` for every
 * overload, checked on PostgreSQL 15): one value for the whole statement.
 */
const NOT_VOLATILE = new Set([
  // time
  'now', 'transaction_timestamp', 'txid_current', 'pg_current_xact_id', 'statement_timestamp', 'extract', 'date_part', 'date_trunc', 'date_bin', 'age', 'date',
  'timezone', 'make_date', 'make_time', 'make_timestamp', 'make_timestamptz', 'make_interval', 'to_timestamp', 'to_date',
  'to_char', 'to_number', 'justify_interval', 'justify_days', 'justify_hours', 'isfinite',
  // ranges, multiranges and geometry
  'int4range', 'int8range', 'numrange', 'daterange', 'tsrange', 'tstzrange', 'int4multirange', 'int8multirange',
  'nummultirange', 'datemultirange', 'tsmultirange', 'tstzmultirange', 'point', 'box', 'circle', 'line', 'lseg', 'path', 'polygon',
  // text
  'lower', 'upper', 'length', 'char_length', 'octet_length', 'bit_length', 'concat', 'concat_ws', 'format', 'md5', 'replace',
  'trim', 'btrim', 'ltrim', 'rtrim', 'lpad', 'rpad', 'left', 'right', 'substr', 'substring', 'split_part', 'initcap',
  'repeat', 'reverse', 'strpos', 'position', 'translate', 'regexp_replace', 'overlay', 'starts_with', 'ascii', 'chr',
  'to_hex', 'encode', 'decode', 'sha224', 'sha256', 'sha384', 'sha512', 'quote_ident', 'quote_literal', 'quote_nullable',
  'to_tsvector', 'to_tsquery', 'plainto_tsquery', 'phraseto_tsquery', 'websearch_to_tsquery', 'setweight',
  // numbers
  'abs', 'round', 'floor', 'ceil', 'ceiling', 'trunc', 'sign', 'mod', 'power', 'sqrt', 'exp', 'ln', 'log', 'pi', 'width_bucket',
  // json and arrays
  'to_jsonb', 'to_json', 'jsonb_build_object', 'json_build_object', 'jsonb_build_array', 'json_build_array', 'json_object',
  'jsonb_object', 'jsonb_set', 'jsonb_strip_nulls', 'array_to_json', 'row_to_json', 'array_fill', 'array_append',
  'array_prepend', 'array_cat', 'array_remove', 'array_replace', 'array_length', 'cardinality', 'array_to_string', 'string_to_array',
  // conditional expressions (parsed as their own nodes, listed for completeness)
  'coalesce', 'nullif', 'greatest', 'least',
  // session
  'current_setting', 'current_database', 'current_schema', 'current_schemas', 'current_user', 'session_user',
  'inet_server_addr', 'inet_client_addr', 'pg_backend_pid', 'pg_postmaster_start_time', 'version',
]);

/**
 * Whether an expression calls a volatile function, so a DEFAULT using it is evaluated once per
 * existing row (a rewrite). Constants, casts, CURRENT_TIMESTAMP/now() and other stable calls are
 * evaluated once and stored in the catalog (PostgreSQL 11+). An unknown function is volatile
 * unless declared otherwise, as CREATE FUNCTION assumes.
 * Returns the name of the first volatile (or unknown) function, or undefined.
 */
export function volatileCall(expr: unknown, knowledge: KnownFunctions): string | undefined {
  let found: string | undefined;
  walk(expr, (obj) => {
    if (found) return;
    const call = obj.FuncCall;
    if (!call) return;
    const name = nameList(call.funcname).split('.').at(-1)!.toLowerCase();
    const declared = knowledge.functions.get(name);
    if (declared) {
      if (declared === 'v') found = name;
    } else if (VOLATILE.has(name) || !NOT_VOLATILE.has(name)) {
      found = name;
    }
  });
  return found;
}
