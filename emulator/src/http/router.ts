/** A route: method, a path template with `{name}` parameters, and its handler. */
export interface Route<H> {
  method: string;
  template: string;
  handler: H;
}

interface CompiledRoute<H> {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: H;
}

export interface RouteMatch<H> {
  handler: H;
  params: Record<string, string>;
}

/** Matches request paths against templates such as `/repos/{owner}/{repo}/pulls/{pull_number}`. */
export class Router<H> {
  private readonly routes: CompiledRoute<H>[] = [];

  add(method: string, template: string, handler: H): void {
    const names: string[] = [];
    const source = template
      .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
      .replace(/\{(\w+)\}/g, (_, name: string) => {
        names.push(name);
        return "([^/]+)";
      });
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
  }

  /** Returns the matching route, or `method-not-allowed` when only the path matched. */
  match(method: string, path: string): RouteMatch<H> | "method-not-allowed" | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (found === null) continue;
      if (route.method !== method) {
        pathMatched = true;
        continue;
      }
      const params: Record<string, string> = {};
      try {
        route.names.forEach((name, index) => {
          params[name] = decodeURIComponent(found[index + 1] ?? "");
        });
      } catch {
        // A malformed percent escape names nothing that exists, as on GitHub: not found.
        return undefined;
      }
      return { handler: route.handler, params };
    }
    return pathMatched ? "method-not-allowed" : undefined;
  }
}
