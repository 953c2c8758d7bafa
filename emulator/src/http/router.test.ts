import { describe, expect, it } from "vitest";

import { Router } from "./router.js";

describe("router", () => {
  const router = new Router<string>();
  router.add("GET", "/repos/{owner}/{repo}", "get-repo");

  it("decodes path parameters", () => {
    expect(router.match("GET", "/repos/acme/a%2Eb")).toEqual({
      handler: "get-repo",
      params: { owner: "acme", repo: "a.b" },
    });
  });

  it("other method is not allowed", () => {
    expect(router.match("POST", "/repos/acme/app")).toBe("method-not-allowed");
  });

  it("malformed escape matches nothing", () => {
    expect(router.match("GET", "/repos/acme/%E0%A4%A")).toBeUndefined();
  });
});
