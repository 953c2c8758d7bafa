import { ApiError } from "../model/errors.js";

export interface Page<T> {
  items: T[];
  /** Value of the `Link` header, or undefined when everything fits on one page. */
  link: string | undefined;
}

/**
 * Cuts one page out of a list with GitHub's `per_page` (default 30, at most 100) and `page`
 * parameters and builds the `Link` header with `first`, `prev`, `next` and `last`.
 */
export function paginate<T>(items: T[], url: URL, defaultPerPage = 30): Page<T> {
  const perPage = Math.min(100, readPositive(url, "per_page") ?? defaultPerPage);
  const page = readPositive(url, "page") ?? 1;
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  if (lastPage === 1) return { items: slice, link: undefined };

  const pageUrl = (number: number): string => {
    const copy = new URL(url);
    copy.searchParams.set("per_page", String(perPage));
    copy.searchParams.set("page", String(number));
    return copy.toString();
  };
  const links: string[] = [];
  if (page > 1) {
    links.push(`<${pageUrl(page - 1)}>; rel="prev"`);
  }
  if (page < lastPage) {
    links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(lastPage)}>; rel="last"`);
  }
  if (page > 1) {
    links.push(`<${pageUrl(1)}>; rel="first"`);
  }
  return { items: slice, link: links.length === 0 ? undefined : links.join(", ") };
}

function readPositive(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new ApiError(422, `Invalid value for ${name}: ${raw}`);
  }
  return value;
}

/** Returns the `Link` header of a page, or no header when there is one page. */
export function linkHeader(page: Page<unknown>): Record<string, string> {
  return page.link === undefined ? {} : { link: page.link };
}
