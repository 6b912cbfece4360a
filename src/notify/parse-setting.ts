/** A value for `/set`, or why the text does not fit the attribute's current type. */
export type ParsedSetting = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * Parses `/set` text into the type the attribute holds now, so a chat message cannot turn a
 * number into a string (or a list into text) behind the strategy's back.
 */
export function parseSetting(current: unknown, text: string): ParsedSetting {
  const raw = text.trim();
  if (typeof current === 'number') {
    const n = raw === '' ? Number.NaN : Number(raw);
    return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, reason: `it holds a number; '${raw}' is not one` };
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
