/**
 * The methods of each registered route, to tell a request whose path is a route but whose
 * method is not one of its (405) from one whose path is no route at all (404). Paths are matched
 * as the router matches them: a `:param` segment takes any one segment, `*` the rest.
 */
export class RouteMethods {
  readonly #routes: { pattern: RegExp; methods: Set<string> }[] = [];
  readonly #byUrl = new Map<string, Set<string>>();

  add(method: string | string[], url: string): void {
    let methods = this.#byUrl.get(url);
    if (!methods) {
      methods = new Set();
      this.#byUrl.set(url, methods);
      this.#routes.push({ pattern: patternOf(url), methods });
    }
    for (const m of Array.isArray(method) ? method : [method]) methods.add(m.toUpperCase());
  }

  /** The methods `path` takes (HEAD where the router serves it, with GET), or none when it is no route. */
  allowed(path: string): string[] {
    const out = new Set<string>();
    for (const r of this.#routes) if (r.pattern.test(path)) for (const m of r.methods) out.add(m);
    return [...out];
  }
}

function patternOf(url: string): RegExp {
  const parts = url.split('/').map((segment) => {
    if (segment === '*') return '.*';
    if (segment.startsWith(':')) return '[^/]+';
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  // As the router matches: exactly, a trailing slash making another path (a 404).
  return new RegExp(`^${parts.join('/')}$`);
}
