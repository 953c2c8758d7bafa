import { defineConfig } from "vitest/config";

// Three suites: fast unit and integration tests (emulator, libvirt test driver, Pulumi mocks),
// the end-to-end suite that boots real QEMU guests, and the fault suite.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "infra/**/*.test.ts",
            "controller/**/*.test.ts",
            "emulator/**/*.test.ts",
            "images/**/*.test.ts",
            "test/integration/**/*.test.ts",
          ],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "faults",
          include: ["test/faults/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
