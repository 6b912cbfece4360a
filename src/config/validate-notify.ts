import { isPlainObject, type ReportProblem } from './env.js';
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
