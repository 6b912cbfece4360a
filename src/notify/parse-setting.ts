/** A value for `/set`, or why the text does not fit the attribute's current type. */
export type ParsedSetting = { ok: true; value: unknown } | { ok: false; reason: string };

// A plain decimal number, optionally with an exponent: `Number()` alone would take `0x10` as 16,
// `0b101` as 5 and `0o7` as 7, so a typo would become an unrelated number.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses `/set` text into the type the attribute holds now, so a chat message cannot turn a
 * number into a string (or a list into text) behind the strategy's back. A number is taken in
 * plain decimal only (`12`, `-0.5`, `1e6`); hex, octal, binary, `Infinity` and the like are refused.
 */
export function parseSetting(current: unknown, text: string): ParsedSetting {
  const raw = text.trim();
  if (typeof current === 'number') {
    const n = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
    if (Number.isFinite(n)) return { ok: true, value: n };
    return { ok: false, reason: `it holds a number; '${raw}' is not a plain decimal number (such as 12, -0.5 or 1e6)` };
  }
  if (typeof current === 'boolean') {
    const lower = raw.toLowerCase();
    if (lower === 'true' || lower === 'false') return { ok: true, value: lower === 'true' };
    return { ok: false, reason: `it holds true or false; '${raw}' is neither` };
  }
  if (typeof current === 'string') return { ok: true, value: raw };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    if (current === null || current === undefined) return { ok: true, value: raw };
    return { ok: false, reason: `it holds ${Array.isArray(current) ? 'a list' : 'a mapping'}; give it as JSON` };
  }
  if (current === null || current === undefined) return { ok: true, value: parsed };
  if (Array.isArray(current) !== Array.isArray(parsed) || typeof parsed !== 'object' || parsed === null) {
    return { ok: false, reason: `it holds ${Array.isArray(current) ? 'a list' : 'a mapping'}; '${raw}' is not one` };
  }
  return { ok: true, value: parsed };
}
