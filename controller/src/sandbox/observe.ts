import type { EmulatorState } from "../../../emulator/src/index.js";
import type { SandboxEnvironment } from "./environment.js";

export type EmulatorJob = EmulatorState["jobs"][number];

/** Reads the emulator's state without webhook bodies, which the sandbox never uses. */
export function emulatorState(env: SandboxEnvironment): Promise<EmulatorState> {
  return env.github.world.emulator.control.state({ deliveryBodies: false });
}

export async function emulatorJob(env: SandboxEnvironment, jobId: number): Promise<EmulatorJob> {
  const job = (await emulatorState(env)).jobs.find((candidate) => candidate.id === jobId);
  if (job === undefined) throw new Error(`job ${jobId} not found in the emulator`);
  return job;
}

/** Domain names with the run's prefix, as libvirt lists them. */
export async function liveDomains(env: SandboxEnvironment): Promise<string[]> {
  const output = await env.session.run(["list", "--all", "--name"]);
  return output
    .split("\n")
    .map((line) => line.trim())
    .filter((name) => name.startsWith(env.prefix));
}

/** Runner registrations with the run's prefix, as the emulator lists them. */
export async function liveRunners(env: SandboxEnvironment): Promise<string[]> {
  return (await emulatorState(env)).runners
    .map((runner) => runner.name)
    .filter((name) => name.startsWith(env.prefix));
}

/** Returns true once neither libvirt nor the emulator lists `name`. */
export async function vmAndRunnerGone(env: SandboxEnvironment, name: string): Promise<boolean> {
  const [domains, runners] = await Promise.all([liveDomains(env), liveRunners(env)]);
  return !domains.includes(name) && !runners.includes(name);
}
