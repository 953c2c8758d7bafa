import { z } from "zod";

import type { RestContext, RestHandler } from "../http/context.js";
import { accessibleRepo, parseBody } from "../http/context.js";
import { linkHeader, paginate } from "../http/pagination.js";
import type { Router } from "../http/router.js";
import { ApiError, notFound } from "../model/errors.js";
import { isoTime } from "../model/shapes.js";
import type { Variable } from "../model/types.js";

/** GitHub's variable name rule: letters, digits and underscores, not starting with a digit or `GITHUB_`. */
const variableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
  .refine((name) => !name.toUpperCase().startsWith("GITHUB_"), "must not start with GITHUB_");

const createSchema = z.object({ name: variableName, value: z.string() });
const updateSchema = z.object({ name: variableName.optional(), value: z.string().optional() });

function shape(variable: Variable): Record<string, unknown> {
  return {
    name: variable.name,
    value: variable.value,
    created_at: isoTime(variable.createdAt),
    updated_at: isoTime(variable.updatedAt),
  };
}

function find(
  context: RestContext,
  write: boolean,
): { variables: Map<string, Variable>; key: string } {
  const repo = accessibleRepo(context, write);
  const key = (context.params.name ?? "").toUpperCase();
  if (!repo.variables.has(key)) throw notFound();
  return { variables: repo.variables, key };
}

const listVariables: RestHandler = (context) => {
  const variables = [...accessibleRepo(context).variables.values()].sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  const page = paginate(variables, context.url, 10);
  return {
    status: 200,
    body: { total_count: variables.length, variables: page.items.map(shape) },
    headers: linkHeader(page),
  };
};

const getVariable: RestHandler = (context) => {
  const { variables, key } = find(context, false);
  return { status: 200, body: shape(variables.get(key) as Variable) };
};

const createVariable: RestHandler = (context) => {
  const repo = accessibleRepo(context, true);
  const input = parseBody(createSchema, context.body);
  const key = input.name.toUpperCase();
  if (repo.variables.has(key)) throw new ApiError(409, "Already exists - Variable already exists");
  repo.variables.set(key, {
    name: key,
    value: input.value,
    createdAt: context.now,
    updatedAt: context.now,
  });
  return { status: 201, body: {} };
};

const updateVariable: RestHandler = (context) => {
  const { variables, key } = find(context, true);
  const input = parseBody(updateSchema, context.body);
  const variable = variables.get(key) as Variable;
  const newKey = input.name?.toUpperCase() ?? key;
  if (newKey !== key && variables.has(newKey))
    throw new ApiError(409, "Already exists - Variable already exists");
  variables.delete(key);
  variables.set(newKey, {
    ...variable,
    name: newKey,
    value: input.value ?? variable.value,
    updatedAt: context.now,
  });
  return { status: 204 };
};

const deleteVariable: RestHandler = (context) => {
  const { variables, key } = find(context, true);
  variables.delete(key);
  return { status: 204 };
};

export function addVariableRoutes(router: Router<RestHandler>): void {
  router.add("GET", "/repos/{owner}/{repo}/actions/variables", listVariables);
  router.add("POST", "/repos/{owner}/{repo}/actions/variables", createVariable);
  router.add("GET", "/repos/{owner}/{repo}/actions/variables/{name}", getVariable);
  router.add("PATCH", "/repos/{owner}/{repo}/actions/variables/{name}", updateVariable);
  router.add("DELETE", "/repos/{owner}/{repo}/actions/variables/{name}", deleteVariable);
}
