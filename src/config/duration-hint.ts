import type { ConfigPath } from './positions.js';

/** Seconds in each unit a duration may be written with (`10s`, `1m`, `1.5 h`, `500ms`). */
const UNIT_SECS: Readonly<Record<string, number>> = {
  ms: 0.001,
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86_400,
  day: 86_400,
  days: 86_400,
};

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i;

/**
 * The hint for a duration written with a unit where a key takes a plain number: `freq: "10s"`
 * gets `freq is in seconds: write 10`, `timeout_ms: 5s` gets `write 5000`. The unit is read from
 * the key's name (`freq` and `…_secs` in seconds, `…_ms` in milliseconds); undefined for any
 * other key or value.
 */
export function durationHint(path: ConfigPath, actual: unknown): string | undefined {
  const key = path.at(-1);
  if (typeof key !== 'string' || typeof actual !== 'string') return undefined;
  const inMs = key.endsWith('_ms');
  if (!inMs && key !== 'freq' && !key.endsWith('_secs')) return undefined;
  const m = DURATION.exec(actual);
  const unit = m === null ? undefined : UNIT_SECS[m[2]!.toLowerCase()];
  if (m === null || unit === undefined) return undefined;
  const secs = Number(m[1]) * unit;
  // Rounded to what a person would write: 1.5m is 90, 0.1s is 0.1, not 0.10000000000000001.
  const value = Number((inMs ? secs * 1000 : secs).toPrecision(12));
  return `${key} is in ${inMs ? 'milliseconds' : 'seconds'}: write ${value}`;
}
