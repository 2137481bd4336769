// The walk an integrator's code does with the SDK of typed functions that @hey-api/openapi-ts generates,
// compiled with tsc --strict.
import assert from "node:assert/strict";
import { createClient, createConfig } from "./generated/client";
import { createApiKey, createDistrict, getSchool, getSyncRun, importFile, listPeople, listSchools, patchSchool } from "./generated";
import { assertStaleETagProblem, pageByTen, runWalk, step, succeededRun } from "../shared/walk-env";

runWalk(async (env) => {
  // The SDK's functions ask for the document's bearer scheme; `auth` answers it.
  const client = (key: string) => createClient(createConfig({ baseUrl: env.baseUrl, auth: key }));
  const operator = client(env.operatorKey);

  const district = await createDistrict({ client: operator, body: { name: "hey-api walk" } });
  assert.ok(district.data, `create district answered ${district.response.status}`);
  const districtId = district.data.id;
  const key = await createApiKey({
    client: operator,
    path: { districtId },
    body: { name: "hey-api", scopes: ["roster:read", "roster:write", "sync:run"] },
  });
  assert.ok(key.data, `create key answered ${key.response.status}`);
  const api = client(key.data.key);
  step(`district ${districtId} and its key`);

  const upload = await importFile({ client: api, path: { districtId }, body: { file: env.bundle, kind: "roster", dryRun: false } });
  assert.equal(upload.response.status, 202);
  assert.ok(upload.data);
  const runId = upload.data.id;

  const created = await succeededRun(runId, async () => {
    const answer = await getSyncRun({ client: api, path: { districtId, id: runId } });
    assert.ok(answer.data, `get run answered ${answer.response.status}`);
    return answer.data;
  });

  const ids = await pageByTen(async (cursor) => {
    const page = await listPeople({ client: api, path: { districtId }, query: { limit: 10, ...(cursor ? { cursor } : {}) } });
    assert.ok(page.data, `list people answered ${page.response.status}`);
    return page.data;
  });
  assert.equal(ids.size, created);
  step(`paged ${ids.size} people, 10 at a time`);

  const schools = await listSchools({ client: api, path: { districtId }, query: { limit: 1 } });
  const schoolId = schools.data?.items[0]?.id;
  assert.ok(schoolId, "the bundle has a school");
  const path = { districtId, id: schoolId };
  const read = await getSchool({ client: api, path });
  const etag = read.response.headers.get("ETag");
  assert.ok(read.data && etag, "a school is read with its ETag");

  const name = `${read.data.name} (hey-api)`;
  const mergePatch = (ifMatch: string) => ({ "If-Match": ifMatch, "Content-Type": "application/merge-patch+json" });
  const patched = await patchSchool({ client: api, path, headers: mergePatch(etag), body: { name } });
  assert.ok(patched.data, `patch answered ${patched.response.status}`);
  assert.equal(patched.data.name, name);
  assert.notEqual(patched.response.headers.get("ETag"), etag);
  step(`patched school ${schoolId} with If-Match ${etag}`);

  const stale = await patchSchool({ client: api, path, headers: mergePatch(etag), body: { name: `${name} again` } });
  assertStaleETagProblem(stale.response.status, stale.error);
});
