/** A route as the router lists it: a method (ALL for middleware) and a path pattern (`/v1/batches/:id`). */
interface RouteEntry {
  method: string;
  path: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The methods the app answers on a path, from its route table: what a 405's `Allow` header lists
 * when a request names a known path with another method. Middleware (ALL) is left out.
 */
export function allowedMethods(routes: readonly RouteEntry[]): (path: string) => string[] {
  const patterns = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  for (const { method, path } of routes) {
    if (method === "ALL") continue;
    const entry = patterns.get(path) ?? {
      pattern: new RegExp(
        `^${path
          .split(/(:\w+)/)
          .map((part) => (part.startsWith(":") ? "[^/]+" : escapeRegExp(part)))
          .join("")}$`,
      ),
      methods: new Set<string>(),
    };
    entry.methods.add(method);
    if (method === "GET") entry.methods.add("HEAD");
    patterns.set(path, entry);
  }
  return (path) => {
    const methods = new Set<string>();
    for (const { pattern, methods: allowed } of patterns.values()) {
      if (pattern.test(path)) for (const m of allowed) methods.add(m);
    }
    return [...methods].sort();
  };
}
