import { XMLBuilder, XMLParser } from "fast-xml-parser";
import { z } from "zod";

import type { VmMetadata } from "../driver.js";

/** Namespace URI of the controller's metadata element on its domains. */
export const METADATA_NAMESPACE = "https://trusted-runners.dev/xmlns/vm/1";

/** Namespace prefix of the metadata element, as `virsh metadata --key` takes it. */
export const METADATA_PREFIX = "tr";

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_" });
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  removeNSPrefix: true,
  parseAttributeValue: false,
});

const attributesSchema = z.object({
  "@_job-id": z.string().regex(/^(\d{1,18})?$/),
  "@_state": z.enum(["booting", "idle", "assigned", "running", "stopping"]),
  "@_created-at": z.iso.datetime(),
});

/** Builds the metadata element's attributes in the form {@link XMLBuilder} takes. */
export function metadataAttributes(metadata: VmMetadata): Record<string, string> {
  return {
    "@_job-id": metadata.jobId === null ? "" : String(metadata.jobId),
    "@_state": metadata.state,
    "@_created-at": metadata.createdAt,
  };
}

/**
 * Renders the element without a namespace prefix, as `virsh metadata --set` expects it;
 * virsh adds the namespace from `--uri` and the prefix from `--key`.
 */
export function renderMetadataForVirsh(metadata: VmMetadata): string {
  return builder.build({ vm: metadataAttributes(metadata) }) as string;
}

/** The metadata element was missing or invalid. */
export class InvalidMetadataError extends Error {
  override readonly name = "InvalidMetadataError";
}

function fromAttributes(element: unknown, source: string): VmMetadata {
  const parsed = attributesSchema.safeParse(element);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".")}: ${issue.message}`,
    );
    throw new InvalidMetadataError(`invalid VM metadata in ${source}: ${problems.join("; ")}`);
  }
  const jobId = parsed.data["@_job-id"];
  return {
    jobId: jobId === "" ? null : Number(jobId),
    state: parsed.data["@_state"],
    createdAt: parsed.data["@_created-at"],
  };
}

/** Parses the output of `virsh metadata DOMAIN URI`: one `<vm .../>` element. */
export function parseVirshMetadata(xml: string): VmMetadata {
  const document = parser.parse(xml) as Record<string, unknown>;
  return fromAttributes(document.vm, "virsh metadata output");
}

/**
 * Parses our metadata element out of a full domain XML document. The namespace prefix is ignored,
 * so the element is found by its local name `vm` under `<metadata>`, and the document's
 * namespace declaration is checked.
 */
export function parseDomainMetadata(domainXml: string): VmMetadata {
  const namespaced = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_" });
  const document = namespaced.parse(domainXml) as {
    domain?: { metadata?: Record<string, Record<string, string> | undefined> };
  };
  const metadata = document.domain?.metadata ?? {};
  for (const [key, element] of Object.entries(metadata)) {
    const localName = key.includes(":") ? key.slice(key.indexOf(":") + 1) : key;
    const prefix = key.includes(":") ? key.slice(0, key.indexOf(":")) : "";
    const namespace = element?.[prefix === "" ? "@_xmlns" : `@_xmlns:${prefix}`];
    if (localName === "vm" && namespace === METADATA_NAMESPACE) {
      return fromAttributes(element, "domain XML");
    }
  }
  throw new InvalidMetadataError(`domain XML has no <vm> element in ${METADATA_NAMESPACE}`);
}
