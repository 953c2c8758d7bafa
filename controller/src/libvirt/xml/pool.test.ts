import { XMLParser } from "fast-xml-parser";
import { expect, test } from "vitest";

import { renderPoolXml } from "./pool.js";

// Values stay text, so the octal mode keeps its leading zero.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
});

test("directory pool with permissions", () => {
  const xml = renderPoolXml({
    name: "tr-pool",
    uuid: "0f3c8d9e-1a2b-5c3d-8e4f-5a6b7c8d9e0f",
    path: "/var/lib/trusted-runners/pool",
    mode: "0711",
    uid: 0,
    gid: 0,
  });
  const { pool } = parser.parse(xml);
  expect(pool.type).toBe("dir");
  expect(pool.name).toBe("tr-pool");
  expect(pool.target.path).toBe("/var/lib/trusted-runners/pool");
  expect(pool.target.permissions.mode).toBe("0711");
  expect(pool.target.permissions.owner).toBe("0");
});
