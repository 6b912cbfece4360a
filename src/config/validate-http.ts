import { exposureProblem, tokenProblem } from './http-exposure.js';
import { checkCredential, isPlainObject, resolveEnvReferences, type EnvMap, type ReportProblem } from './env.js';

/**
 * `http.token` is a credential like the exchange's: only a `${VAR}` reference is accepted, and
 * it is resolved here. Returns the tree with `http.token` resolved; everything else unchanged.
 */
export function resolveHttpToken(raw: unknown, env: EnvMap, report: ReportProblem): unknown {
  if (!isPlainObject(raw) || !isPlainObject(raw.http) || raw.http.token === undefined || raw.http.token === null) return raw;
  checkCredential(raw.http.token, ['http', 'token'], 'MISSO_HTTP_TOKEN', env, report);
  const token = resolveEnvReferences(raw.http.token, ['http', 'token'], env, report);
  return { ...raw, http: { ...raw.http, token } };
}

/**
 * A token that can match no request (leading or trailing whitespace) is refused at `http.token`;
 * a status server bound beyond loopback without a token (or with a short one, whitespace not
 * counted) at `http.host`, before anything runs.
 */
export function checkHttpExposure(raw: unknown, report: ReportProblem): void {
  if (!isPlainObject(raw) || !isPlainObject(raw.http)) return;
  const { host, token } = raw.http;
  const unusable = typeof token === 'string' && token !== '' ? tokenProblem(token) : null;
  if (unusable !== null) {
    report(['http', 'token'], unusable);
    return;
  }
  if (typeof host !== 'string') return;
  const problem = exposureProblem(host, typeof token === 'string' && token !== '' ? token : null);
  if (problem !== null) report(['http', 'host'], problem);
}
