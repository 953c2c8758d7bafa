import type { RunnerRecord, Snapshot } from "./core/types.js";
import { withTimeout } from "./executor/with-timeout.js";
import { errorSummary } from "./github/api.js";
import type { GithubApi } from "./github/api.js";
import type { VmDriver } from "./libvirt/driver.js";
import type { Logger } from "./log.js";
import type { Store } from "./store/store.js";

/** Dependencies of {@link listResources}. */
export interface ListResourcesDeps {
  driver: VmDriver;
  api: GithubApi;
  store: Store;
  namePrefix: string;
  callTimeoutMs: number;
  logger: Logger;
  now: () => number;
}

/**
 * Lists our domains, overlays and GitHub runners for a reconcile pass. A listing that fails or
 * times out is null, so the planner skips the cleanup rules that need it instead of taking an
 * empty list for "nothing exists". Runners get the time they were first seen.
 */
export async function listResources(
  deps: ListResourcesDeps,
): Promise<Pick<Snapshot, "domains" | "definedBeforeListing" | "overlays" | "runners">> {
  const listOrNull = async <T>(what: string, list: () => Promise<T>): Promise<T | null> => {
    try {
      return await withTimeout(what, deps.callTimeoutMs, list());
    } catch (error) {
      deps.logger.warn(
        { err: errorSummary(error), what },
        "listing failed; its cleanup rules wait",
      );
      return null;
    }
  };

  // A VM leaves `creating` only once its domain is defined, so the listing below must include
  // every VM already past it. A VM created while the listing runs may be missing from it.
  const definedBeforeListing = new Set(
    deps.store
      .vms()
      .filter((vm) => vm.state !== "creating")
      .map((vm) => vm.name),
  );
  const domains = await listOrNull("listVms", () => deps.driver.listVms());
  const overlays = await listOrNull("listOverlays", () => deps.driver.listOverlays());
  const listed = await listOrNull("listRunners", () => deps.api.listRunners(deps.namePrefix));
  const runners: RunnerRecord[] | null =
    listed === null
      ? null
      : deps.store.recordRunnerSightings(
          listed.map((runner) => ({
            id: runner.id,
            name: runner.name,
            status: runner.status === "online" ? "online" : "offline",
            busy: runner.busy,
          })),
          deps.now(),
        );
  return { domains, definedBeforeListing, overlays, runners };
}
