// What every TypeScript walk needs besides its generated client: where the Api is, the operator key, the demo
// bundle, and a poll with a deadline. The test that starts the Api (tests/Api.Tests/ClientWalkTests.cs) sets these.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

export interface WalkEnv {
  baseUrl: string;
  operatorKey: string;
  /** samples/demo-district/demo-district.zip */
  bundle: Blob;
}

export function walkEnv(): WalkEnv {
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  return {
    baseUrl: need("ROSTERSYNC_URL"),
    operatorKey: need("ROSTERSYNC_OPERATOR_KEY"),
    bundle: new Blob([new Uint8Array(readFileSync(need("ROSTERSYNC_BUNDLE")))], { type: "application/zip" }),
  };
}

/** Reads the run every 250 ms until it ends (a minute at most); it must have succeeded. Answers the people it created. */
export async function succeededRun(
  runId: string,
  read: () => Promise<{ status: string; error?: string | null; counts: { people?: { created?: number } | null } }>,
): Promise<number> {
  const deadline = Date.now() + 60_000;
  let run = await read();
  while ((run.status === "queued" || run.status === "running") && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    run = await read();
  }
  assert.equal(run.status, "succeeded", run.error ?? "");
  const created = run.counts.people?.created ?? 0;
  assert.ok(created > 0);
  step(`run ${runId} ${run.status}, ${created} people created`);
  return created;
}

/** Follows nextCursor from the first page to the last; every page holds at most 10. Answers the ids seen. */
export async function pageByTen(read: (cursor: string | null) => Promise<{ items: { id: string }[]; nextCursor?: string | null }>): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let page = await read(null); ; page = await read(page.nextCursor ?? null)) {
    assert.ok(page.items.length <= 10);
    for (const item of page.items) ids.add(item.id);
    if (!page.nextCursor) break;
  }
  return ids;
}

export const step = (text: string): void => console.log(`walk: ${text}`);

/** The answer to a PATCH whose If-Match names an ETag the record no longer has. */
export function assertStaleETagProblem(
  status: number,
  problem: { type?: string | null; title?: string | null; status?: number | null } | undefined,
): void {
  assert.equal(status, 412);
  assert.ok(problem, "a stale ETag answers a problem");
  assert.equal(problem.type, "urn:rostersync:problem:precondition-failed");
  assert.equal(problem.status, 412);
  assert.ok(problem.title);
  step(`a stale If-Match answered ${problem.status} ${problem.type}`);
}

/** Runs a walk; any failure prints and exits 1, which fails the test that started it. */
export function runWalk(walk: (env: WalkEnv) => Promise<void>): void {
  walk(walkEnv()).then(
    () => step("done"),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
