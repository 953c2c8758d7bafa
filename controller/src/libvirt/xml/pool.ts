import { XMLBuilder } from "fast-xml-parser";

/** Settings of one directory storage pool, for {@link renderPoolXml}. */
export interface PoolXmlSpec {
  /** Pool name, unique on the host. */
  name: string;
  /** Fixed UUID, so a redefinition updates the same pool instead of failing as a duplicate. */
  uuid: string;
  /** Absolute host folder that contains the pool's volume files. */
  path: string;
  /** Mode of the folder as libvirt creates it on `pool-build`, in octal, for example `0711`. */
  mode: string;
  /**
   * Numeric owner and group of the folder. libvirt records the folder's owner when it builds the
   * pool, so a definition without them would differ from libvirt's after every build.
   */
  uid: number;
  gid: number;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  format: true,
  indentBy: "  ",
  suppressEmptyNode: true,
});

/** Renders the `<pool type='dir'>` document that `virsh pool-define` reads. */
export function renderPoolXml(spec: PoolXmlSpec): string {
  const pool = {
    "@_type": "dir",
    name: spec.name,
    uuid: spec.uuid,
    target: {
      path: spec.path,
      permissions: { mode: spec.mode, owner: spec.uid, group: spec.gid },
    },
  };
  return builder.build({ pool }) as string;
}
