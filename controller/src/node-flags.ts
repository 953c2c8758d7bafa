/**
 * Node.js flags the controller runs with, set by the systemd unit and by the benchmark so that
 * what is measured is what ships. A 2 MiB young generation stops V8 from growing the heap during a
 * burst of webhooks and keeping it afterwards. With 1,000 tracked jobs, the memory benchmark
 * measured 124 MiB resident with it and 223 to 228 MiB without it (2-core machine, BENCHMARKS.md).
 */
export const CONTROLLER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=2"];
