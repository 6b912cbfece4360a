import { describeNonNumber, preview } from '../orders/intent.js';

/**
 * One error of the schema validator (ajv), as Fastify hands it over. The app's validator runs
 * with `verbose`, so `data` (the value judged) and `parentSchema` (the schema that judged it) are
 * there to quote.
 */
export interface ValidatorError {
  keyword: string;
  instancePath?: string;
  params?: Record<string, unknown>;
  message?: string;
  data?: unknown;
  parentSchema?: SchemaPart;
}

interface SchemaPart {
  type?: string | readonly string[];
  description?: string;
  examples?: readonly unknown[];
  properties?: Record<string, SchemaPart>;
}

/** The request a failed check is about, as the words name it. */
export interface CheckedRequest {
  method: string;
  /** The route's pattern (`/api/orders/:clientOrderId`). */
  route: string;
  /** Fastify's `validationContext`: `body`, `querystring`, `params` or `headers`. */
  part: string;
}

/** A failed schema check in the operator's words, and the request field at fault. */
export interface ValidationWords {
  message: string;
  field: string;
}

const PART_WORDS: Record<string, string> = { body: 'the body', querystring: 'the query', params: 'the path', headers: 'the headers' };

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  object: 'a JSON object',
  array: 'a list',
  boolean: 'true or false',
  null: 'null',
};

/**
 * The first error of a failed schema check, said as what the field must be and what came
 * instead, with the allowed values (`side must be buy or sell, got "bye"`), the keys the body or
 * query takes, or how to ask (`GET /api/state?keys=watch_list,last_price`). One translation for
 * every route: the schemas' own `enum`, `properties`, `description` and `examples` give the words,
 * so no route repeats them and none reaches the operator as `must be equal to one of the allowed
 * values`.
 */
export function validationWords(errors: readonly ValidatorError[], request: CheckedRequest): ValidationWords {
  const error = errors[0] ?? { keyword: 'unknown' };
  const params = error.params ?? {};
  const path = (error.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const where = PART_WORDS[request.part] ?? 'the request';
  const routeName = `${request.method} ${request.route}`;
  const name = path === '' ? where : path;
  const field = path === '' ? request.part : path;
  const schema = error.parentSchema ?? {};
  const got = `got ${quote(error.data)}`;
  switch (error.keyword) {
    case 'enum':
      return { message: `${name} must be ${orList((params['allowedValues'] as unknown[] | undefined) ?? [])}, ${got}`, field };
    case 'required': {
      const missing = String(params['missingProperty']);
      const wanted = schema.properties?.[missing];
      const about = wanted?.description === undefined ? '' : ` (${wanted.description})`;
      return { message: `${where} needs ${missing}${about}${askAs(request, missing, wanted)}`, field: path === '' ? missing : `${path}.${missing}` };
    }
    case 'additionalProperties': {
      const extra = String(params['additionalProperty']);
      const kind = request.part === 'querystring' ? 'query parameter' : 'field';
      return { message: `${extra} is not a known ${kind}: ${routeName} takes ${keysOf(schema, 'nothing else')}`, field: path === '' ? extra : `${path}.${extra}` };
    }
    case 'minProperties':
      return { message: `${name} is empty: ${routeName} takes ${keysOf(schema, 'keys', ' and/or ')}${exampleOf(schema)}`, field };
    case 'type': {
      const wanted = typeWords(params['type']);
      // Fastify hands over no body as null: the same thing to the operator as a JSON null.
      if (path === '' && (error.data === undefined || error.data === null)) return { message: `${where} is missing: ${routeName} takes ${wanted}${keyList(schema)}${exampleOf(schema)}`, field };
      // A query's values are all text: "send the number without quotes" is advice for a body.
      const number = wanted.includes('number') && request.part === 'body';
      return { message: `${name} must be ${wanted}, got ${number ? describeNonNumber(error.data) : quote(error.data)}`, field };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { message: `${name} must be ${String(params['comparison'])} ${String(params['limit'])}, ${got}`, field };
    case 'minLength':
      if (params['limit'] !== 1) return { message: `${name} must be at least ${String(params['limit'])} characters, ${got}`, field };
      return { message: `${name} is empty${schema.description === undefined ? '' : `: give ${schema.description}`}${askAs(request, path, schema)}`, field };
    case 'maxLength':
      return { message: `${name} is longer than ${String(params['limit'])} characters`, field };
    case 'pattern':
      return { message: `${name} must be ${schema.description ?? `like ${String(params['pattern'])}`}, ${got}`, field };
    default:
      return { message: `${name} ${error.message ?? 'is invalid'}, ${got}`, field };
  }
}

/** A value as a refusal quotes it: strings in quotes, nothing as `nothing`, short. */
function quote(value: unknown): string {
  return value === undefined ? 'nothing' : preview(value);
}

/** `a, b or c`, each as written (a string without quotes). */
function orList(values: readonly unknown[], last = ' or '): string {
  const words = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return words.length <= 1 ? (words[0] ?? 'nothing') : `${words.slice(0, -1).join(', ')}${last}${words.at(-1)!}`;
}

function keysOf(schema: SchemaPart, none: string, last = ' and '): string {
  const keys = Object.keys(schema.properties ?? {});
  return keys.length === 0 ? none : orList(keys, last);
}

function keyList(schema: SchemaPart): string {
  const keys = Object.keys(schema.properties ?? {});
  return keys.length === 0 ? '' : ` with ${orList(keys, ' and ')}`;
}

function exampleOf(schema: SchemaPart): string {
  const example = schema.examples?.[0];
  return example === undefined ? '' : `, e.g. ${JSON.stringify(example)}`;
}

/** How to give a query parameter (`; ask as GET /api/state?keys=watch_list,last_price`), from the schema's example; empty elsewhere. */
function askAs(request: CheckedRequest, key: string, schema: SchemaPart | undefined): string {
  const example = schema?.examples?.[0];
  if (request.part !== 'querystring' || example === undefined) return '';
  return `; ask as ${request.method} ${request.route}?${key}=${String(example)}`;
}

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  return orList(types.map((t) => TYPE_WORDS[String(t)] ?? String(t)));
}
