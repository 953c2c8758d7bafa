/**
 * A writer for the cpio "newc" format that the kernel unpacks as an initramfs. Writing the archive
 * here, instead of running cpio over a staged folder, fixes every field that would make two
 * builds differ (inode numbers, owners, times, entry order) and lets an unprivileged build add
 * device nodes.
 */

/** One archive member. Paths are relative, without a leading slash. */
export type CpioEntry =
  | { type: "directory"; path: string; mode?: number }
  | { type: "file"; path: string; data: Buffer; mode?: number }
  | { type: "symlink"; path: string; target: string }
  | { type: "char-device"; path: string; major: number; minor: number; mode?: number };

const MAGIC = "070701";
const TRAILER = "TRAILER!!!";
const FILE_TYPE_BITS = {
  directory: 0o040000,
  file: 0o100000,
  symlink: 0o120000,
  "char-device": 0o020000,
} as const;

function hex8(value: number): string {
  return value.toString(16).padStart(8, "0");
}

function padding(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

interface HeaderFields {
  inode: number;
  mode: number;
  nlink: number;
  mtime: number;
  size: number;
  rdevMajor: number;
  rdevMinor: number;
  name: string;
}

function header(fields: HeaderFields): Buffer {
  const name = Buffer.from(`${fields.name}\0`);
  const text =
    MAGIC +
    [
      fields.inode,
      fields.mode,
      0, // uid: root
      0, // gid: root
      fields.nlink,
      fields.mtime,
      fields.size,
      0, // devmajor of the archive's filesystem: meaningless in an initramfs
      0, // devminor
      fields.rdevMajor,
      fields.rdevMinor,
      name.length,
      0, // check: unused by newc
    ]
      .map(hex8)
      .join("");
  const head = Buffer.concat([Buffer.from(text, "ascii"), name]);
  return Buffer.concat([head, padding(head.length)]);
}

function body(entry: CpioEntry): Buffer {
  if (entry.type === "file") return entry.data;
  if (entry.type === "symlink") return Buffer.from(entry.target);
  return Buffer.alloc(0);
}

function permissions(entry: CpioEntry): number {
  if (entry.type === "symlink") return 0o777;
  return entry.mode ?? (entry.type === "file" ? 0o644 : 0o755);
}

/**
 * Writes the entries, sorted by path so parents precede children, with root ownership and one
 * modification time. Throws on duplicate paths because the kernel would silently keep the last.
 */
export function writeCpio(entries: readonly CpioEntry[], mtime: number): Buffer {
  // UTF-16 code unit order, not locale order, so the archive is the same on every machine.
  const sorted = [...entries].sort((a, b) => compareBytes(a.path, b.path));
  const parts: Buffer[] = [];
  let inode = 1;
  let previous: string | undefined;
  for (const entry of sorted) {
    if (entry.path === previous) throw new Error(`duplicate cpio entry ${entry.path}`);
    if (entry.path.startsWith("/") || entry.path === "") {
      throw new Error(`invalid cpio entry path "${entry.path}": use a relative path`);
    }
    previous = entry.path;
    const data = body(entry);
    const device = entry.type === "char-device" ? entry : { major: 0, minor: 0 };
    parts.push(
      header({
        inode: inode++,
        mode: FILE_TYPE_BITS[entry.type] | permissions(entry),
        nlink: entry.type === "directory" ? 2 : 1,
        mtime,
        size: data.length,
        rdevMajor: device.major,
        rdevMinor: device.minor,
        name: entry.path,
      }),
      data,
      padding(data.length),
    );
  }
  parts.push(
    header({
      inode: 0,
      mode: 0,
      nlink: 1,
      mtime: 0,
      size: 0,
      rdevMajor: 0,
      rdevMinor: 0,
      name: TRAILER,
    }),
  );
  return Buffer.concat(parts);
}

function compareBytes(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}
