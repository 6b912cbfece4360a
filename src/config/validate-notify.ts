import { isPlainObject, type ReportProblem } from './env.js';
import type { ConfigPath } from './positions.js';
import { reservedAttributeReason } from './reserved-attributes.js';
import { didYouMean } from './suggest.js';

/**
 * `notify.telegram.settable` may only name attributes of `class_attributes` that the engine
 * does not own (a chat must not be able to replace the exchange or the order queue).
 */
export function checkInteractor(raw: unknown, report: ReportProblem): void {
  if (!isPlainObject(raw)) return;
  const attrs = isPlainObject(raw.class_attributes) ? raw.class_attributes : {};
  const notify = isPlainObject(raw.notify) ? raw.notify : {};
  const telegram = isPlainObject(notify.telegram) ? notify.telegram : null;
  const settable = telegram?.settable;
  if (!Array.isArray(settable)) return;
  settable.forEach((name, i) => {
    if (typeof name !== 'string') return;
    const reserved = reservedAttributeReason(name);
    if (reserved) {
      report(['notify', 'telegram', 'settable', i], reserved.replace('cannot be a target', 'cannot be set from chat'));
    } else if (!(name in attrs)) {
      report(['notify', 'telegram', 'settable', i], `no class attribute named \`${name}\``, didYouMean(name, Object.keys(attrs)) ?? 'list attributes declared under class_attributes');
    }
  });
}

/**
 * `notify.webhook.url` and `notify.telegram.api_url` must be http(s) URLs without a user name or
 * password: misso posts with Node's fetch, which speaks no other scheme and refuses a URL with
 * credentials, so such a URL passed the check and then never delivered. Checked after `${VAR}`
 * substitution; the URL itself is never echoed (it may hold a secret). A value that is no URL at
 * all is the schema's to report.
 */
export function checkNotifyUrls(raw: unknown, report: ReportProblem): void {
  if (!isPlainObject(raw) || !isPlainObject(raw.notify)) return;
  const { webhook, telegram } = raw.notify;
  if (isPlainObject(webhook)) {
    checkPostUrl(webhook.url, ['notify', 'webhook', 'url'], 'put them in `notify.webhook.headers` instead, e.g. `authorization: "Bearer ${HOOK_TOKEN}"` (or `"Basic ..."`)', report);
  }
  if (isPlainObject(telegram)) {
    checkPostUrl(telegram.api_url, ['notify', 'telegram', 'api_url'], 'the bot token goes in `notify.telegram.token`; a proxy that needs a login is not supported', report);
  }
}

function checkPostUrl(value: unknown, path: ConfigPath, credentialsHint: string, report: ReportProblem): void {
  if (typeof value !== 'string') return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    report(path, `a \`${url.protocol}\` URL can never deliver: misso posts over http(s) only`, 'give an `https://` (or `http://`) URL');
  } else if (url.username !== '' || url.password !== '') {
    report(path, 'a URL with a user name or password (`user:pass@host`) can never deliver: fetch refuses credentials in a URL', `remove \`user:pass@\` from the URL; ${credentialsHint}`);
  }
}
