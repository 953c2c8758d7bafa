import { XMLBuilder } from "fast-xml-parser";

/** Disk formats the fleet uses for volumes. */
export type VolumeFormat = "qcow2" | "raw";

/** Settings of one volume in a pool, for {@link renderVolumeXml}. */
export interface VolumeXmlSpec {
  /** Volume name, unique in its pool; for a directory pool also the file name. */
  name: string;
  /**
   * Size in bytes. A string is written as is, which lets a shell script put a placeholder here
   * and fill it in once the size is known (the size of a downloaded image, for example).
   */
  capacityBytes: number | string;
  format: VolumeFormat;
  /** Volume this one is a copy-on-write overlay of, by path; absent for a standalone volume. */
  backingStore?: { path: string; format: VolumeFormat };
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  format: true,
  indentBy: "  ",
  suppressEmptyNode: true,
});

/** Renders the `<volume>` document that `virsh vol-create` reads. */
export function renderVolumeXml(spec: VolumeXmlSpec): string {
  const volume: Record<string, unknown> = {
    name: spec.name,
    capacity: { "@_unit": "bytes", "#text": String(spec.capacityBytes) },
    target: { format: { "@_type": spec.format } },
  };
  if (spec.backingStore !== undefined) {
    volume.backingStore = {
      path: spec.backingStore.path,
      format: { "@_type": spec.backingStore.format },
    };
  }
  return builder.build({ volume }) as string;
}
