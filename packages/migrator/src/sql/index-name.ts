import { bodyOf, list, stringValue, unwrap, type IndexStmt, type JsonExprOp, type Node, type NodeKind, type SQLValueFunctionOp, type XmlExprOp } from './ast.js';

/**
 * The name PostgreSQL gives an index created without one (`CREATE INDEX ON t (v)` -> `t_v_idx`),
 * following DefineIndex: ChooseIndexColumnNames, ChooseIndexNameAddition, ChooseRelationName and
 * makeObjectName in src/backend/commands/indexcmds.c and src/backend/commands/tablecmds.c /
 * namespace.c. Names are counted in UTF-8 bytes and cut at character boundaries, as PostgreSQL
 * does (NAMEDATALEN = 64).
 */
const NAMEDATALEN = 64;

/** Cuts a string to at most `bytes` UTF-8 bytes without splitting a character (pg_mbcliplen). */
export function clipBytes(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  let end = Math.max(0, bytes);
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

/** makeObjectName: `name1_name2_label`, shortening the longer of name1/name2 until it fits in 63 bytes. */
export function makeObjectName(name1: string, name2: string | undefined, label: string | undefined): string {
  // PostgreSQL passes NULL for name2 where it has none (`users_pkey`); an empty string is the same.
  if (name2 === '') name2 = undefined;
  let name1chars = byteLength(name1);
  let name2chars = name2 === undefined ? 0 : byteLength(name2);
  let overhead = name2 === undefined ? 0 : 1;
  if (label !== undefined) overhead += byteLength(label) + 1;
  const available = NAMEDATALEN - 1 - overhead;
  while (name1chars + name2chars > available) {
    if (name1chars > name2chars) name1chars--;
    else name2chars--;
  }
  let name = clipBytes(name1, name1chars);
  if (name2 !== undefined) name += `_${clipBytes(name2, name2chars)}`;
  if (label !== undefined) name += `_${label}`;
  return name;
}

/**
 * FigureColnameInternal: the name PostgreSQL derives from an expression, with its strength (2 = a
 * real name: a column or a function; 1 = a fallback: a type cast's type, `case`; 0 = none, e.g.
 * an operator, which makes the index column `expr`).
 */
export function figureColname(node: Node | undefined): { name?: string | undefined; strength: number } {
  const u = unwrap(node);
  if (!u) return { strength: 0 };
  const { kind, body } = u;
  const fixed = FIXED_NAMES[kind];
  if (fixed) return { name: fixed, strength: 2 };
  switch (kind) {
    case 'ColumnRef':
    case 'A_Indirection': {
      // The last field name, ignoring `*` and subscripts.
      const fields = list(kind === 'ColumnRef' ? body.fields : body.indirection);
      const last = fields.map(stringValue).filter((s): s is string => typeof s === 'string').at(-1);
      if (last) return { name: last, strength: 2 };
      return kind === 'A_Indirection' ? figureColname(body.arg) : { strength: 0 };
    }
    case 'FuncCall': {
      const last = stringValue(list(body.funcname).at(-1));
      return typeof last === 'string' ? { name: last, strength: 2 } : { strength: 0 };
    }
    case 'A_Expr':
      return body.kind === 'AEXPR_NULLIF' ? { name: 'nullif', strength: 2 } : { strength: 0 };
    case 'TypeCast': {
      const inner = figureColname(body.arg);
      if (inner.strength > 1) return inner;
      const type = stringValue(list(body.typeName?.names).at(-1));
      return typeof type === 'string' ? { name: type, strength: 1 } : inner;
    }
    case 'CollateClause':
      return figureColname(body.arg);
    case 'SubLink':
      // EXPR_SUBLINK names itself after the subquery's column only once analysed; a raw tree has none.
      return body.subLinkType === 'EXISTS_SUBLINK' ? { name: 'exists', strength: 2 } : body.subLinkType === 'ARRAY_SUBLINK' ? { name: 'array', strength: 2 } : { strength: 0 };
    case 'CaseExpr': {
      const inner = figureColname(body.defresult);
      return inner.strength > 1 ? inner : { name: 'case', strength: 1 };
    }
    case 'MinMaxExpr':
      return body.op === 'IS_GREATEST' ? { name: 'greatest', strength: 2 } : body.op === 'IS_LEAST' ? { name: 'least', strength: 2 } : { strength: 0 };
    case 'SQLValueFunction':
      return named(body.op && SQL_VALUE_FUNCTION_NAMES[body.op]);
    case 'XmlExpr':
      return named(body.op && XML_NAMES[body.op]);
    case 'JsonFuncExpr':
      return named(body.op && JSON_NAMES[body.op]);
    default:
      return { strength: 0 };
  }
}

const named = (name: string | undefined) => (name ? { name, strength: 2 } : { strength: 0 });

/** `CURRENT_TIMESTAMP(3)` is named like `CURRENT_TIMESTAMP`. */
const SQL_VALUE_FUNCTION_NAMES: Record<SQLValueFunctionOp, string> = {
  SVFOP_CURRENT_DATE: 'current_date',
  SVFOP_CURRENT_TIME: 'current_time',
  SVFOP_CURRENT_TIME_N: 'current_time',
  SVFOP_CURRENT_TIMESTAMP: 'current_timestamp',
  SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp',
  SVFOP_LOCALTIME: 'localtime',
  SVFOP_LOCALTIME_N: 'localtime',
  SVFOP_LOCALTIMESTAMP: 'localtimestamp',
  SVFOP_LOCALTIMESTAMP_N: 'localtimestamp',
  SVFOP_CURRENT_ROLE: 'current_role',
  SVFOP_CURRENT_USER: 'current_user',
  SVFOP_USER: 'user',
  SVFOP_SESSION_USER: 'session_user',
  SVFOP_CURRENT_CATALOG: 'current_catalog',
  SVFOP_CURRENT_SCHEMA: 'current_schema',
};

/** `x IS DOCUMENT` has no name. */
const XML_NAMES: Record<XmlExprOp, string | undefined> = {
  IS_XMLCONCAT: 'xmlconcat',
  IS_XMLELEMENT: 'xmlelement',
  IS_XMLFOREST: 'xmlforest',
  IS_XMLPARSE: 'xmlparse',
  IS_XMLPI: 'xmlpi',
  IS_XMLROOT: 'xmlroot',
  IS_XMLSERIALIZE: 'xmlserialize',
  IS_DOCUMENT: undefined,
};

const JSON_NAMES: Record<JsonExprOp, string> = {
  JSON_EXISTS_OP: 'json_exists',
  JSON_QUERY_OP: 'json_query',
  JSON_VALUE_OP: 'json_value',
  JSON_TABLE_OP: 'json_table',
};

/** Expressions FigureColnameInternal names like the function they act as. */
const FIXED_NAMES: Partial<Record<NodeKind, string>> = {
  GroupingFunc: 'grouping',
  MergeSupportFunc: 'merge_action',
  A_ArrayExpr: 'array',
  RowExpr: 'row',
  CoalesceExpr: 'coalesce',
  XmlSerialize: 'xmlserialize',
  JsonParseExpr: 'json',
  JsonScalarExpr: 'json_scalar',
  JsonSerializeExpr: 'json_serialize',
  JsonObjectConstructor: 'json_object',
  JsonArrayConstructor: 'json_array',
  JsonArrayQueryConstructor: 'json_array',
  JsonObjectAgg: 'json_objectagg',
  JsonArrayAgg: 'json_arrayagg',
};

/**
 * ChooseIndexColumnNames: one name per key and INCLUDE column, a column's own name or the name its
 * expression suggests (`expr` when none), made unique by appending 1, 2, ...
 */
export function indexColumnNames(indexStmt: IndexStmt): string[] {
  const result: string[] = [];
  for (const item of list(indexStmt.indexParams).concat(list(indexStmt.indexIncludingParams))) {
    const elem = bodyOf(item, 'IndexElem') ?? {};
    const original =
      typeof elem.indexcolname === 'string'
        ? elem.indexcolname
        : typeof elem.name === 'string'
          ? elem.name
          : (figureColname(elem.expr).name ?? 'expr');
    let current = original;
    for (let i = 1; result.includes(current); i++) {
      const suffix = String(i);
      current = clipBytes(original, NAMEDATALEN - 1 - suffix.length) + suffix;
    }
    result.push(current);
  }
  return result;
}

/** ChooseIndexNameAddition: the column names joined by `_`, stopping once it reaches NAMEDATALEN bytes. */
export function indexNameAddition(columnNames: readonly string[]): string {
  let buf = '';
  for (const name of columnNames) {
    if (buf.length > 0) buf += '_';
    buf += clipBytes(name, NAMEDATALEN - 1);
    if (byteLength(buf) >= NAMEDATALEN) break;
  }
  return buf;
}

/**
 * The name PostgreSQL gives `CREATE [UNIQUE] INDEX [CONCURRENTLY] ON t (...)` (ChooseIndexName)
 * when no relation of its schema has it yet; `attempt` n > 0 gives ChooseRelationName's n-th
 * fallback (`idx1`, `idx2`, ...). Undefined when the statement names no table.
 */
export function chooseIndexName(indexStmt: IndexStmt, attempt = 0): string | undefined {
  const table = indexStmt.relation?.relname;
  return table ? indexNameCandidates(table, indexStmt, 1, attempt)[0] : undefined;
}

/**
 * Candidate names in the order ChooseRelationName tries them: `t_v_idx`, `t_v_idx1`, `t_v_idx2`...
 * The first one no relation of the table's schema already has is the one PostgreSQL picks.
 */
export function indexNameCandidates(table: string, indexStmt: IndexStmt, count: number, from = 0): string[] {
  const addition = indexNameAddition(indexColumnNames(indexStmt));
  const out: string[] = [];
  for (let pass = from; pass < from + count; pass++) out.push(makeObjectName(table, addition, pass === 0 ? 'idx' : `idx${pass}`));
  return out;
}
