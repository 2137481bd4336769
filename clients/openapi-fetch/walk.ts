// The walk an integrator's code does with openapi-typescript's types and openapi-fetch, compiled with tsc --strict.
import assert from "node:assert/strict";
import createClient from "openapi-fetch";
import type { paths } from "./generated/schema";
import { assertStaleETagProblem, pageByTen, runWalk, step, succeededRun } from "../shared/walk-env";

runWalk(async (env) => {
  const client = (key: string) => createClient<paths>({ baseUrl: env.baseUrl, headers: { Authorization: `Bearer ${key}` } });
  const operator = client(env.operatorKey);

  const district = await operator.POST("/api/v1/districts", { body: { name: "openapi-fetch walk" } });
  assert.ok(district.data, `create district answered ${district.response.status}`);
  const districtId = district.data.id;
  const key = await operator.POST("/api/v1/districts/{districtId}/api-keys", {
    params: { path: { districtId } },
    body: { name: "openapi-fetch", scopes: ["roster:read", "roster:write", "sync:run"] },
  });
  assert.ok(key.data, `create key answered ${key.response.status}`);
  const api = client(key.data.key);
  step(`district ${districtId} and its key`);

  // The typed body names the form's fields; the serializer turns it into the multipart form the Api reads.
  const upload = await api.POST("/api/v1/districts/{districtId}/imports", {
    params: { path: { districtId } },
    body: { file: "demo-district.zip", kind: "roster", dryRun: false },
    bodySerializer: (body) => {
      const form = new FormData();
      form.append("file", env.bundle, body.file);
      form.append("kind", body.kind ?? "roster");
      form.append("dryRun", String(body.dryRun ?? false));
      return form;
    },
  });
  assert.equal(upload.response.status, 202);
  assert.ok(upload.data);
  const runId = upload.data.id;

  const created = await succeededRun(runId, async () => {
    const answer = await api.GET("/api/v1/districts/{districtId}/sync-runs/{id}", { params: { path: { districtId, id: runId } } });
    assert.ok(answer.data, `get run answered ${answer.response.status}`);
    return answer.data;
  });

  const ids = await pageByTen(async (cursor) => {
    const page = await api.GET("/api/v1/districts/{districtId}/people", {
      params: { path: { districtId }, query: { limit: 10, ...(cursor ? { cursor } : {}) } },
    });
    assert.ok(page.data, `list people answered ${page.response.status}`);
    return page.data;
  });
  assert.equal(ids.size, created);
  step(`paged ${ids.size} people, 10 at a time`);

  const schools = await api.GET("/api/v1/districts/{districtId}/schools", { params: { path: { districtId }, query: { limit: 1 } } });
  const schoolId = schools.data?.items[0]?.id;
  assert.ok(schoolId, "the bundle has a school");
  const path = { districtId, id: schoolId };
  const read = await api.GET("/api/v1/districts/{districtId}/schools/{id}", { params: { path } });
  const etag = read.response.headers.get("ETag");
  assert.ok(read.data && etag, "a school is read with its ETag");

  const name = `${read.data.name} (openapi-fetch)`;
  const patched = await api.PATCH("/api/v1/districts/{districtId}/schools/{id}", {
    params: { path, header: { "If-Match": etag } },
    headers: { "Content-Type": "application/merge-patch+json" },
    body: { name },
  });
  assert.ok(patched.data, `patch answered ${patched.response.status}`);
  assert.equal(patched.data.name, name);
  assert.notEqual(patched.response.headers.get("ETag"), etag);
  step(`patched school ${schoolId} with If-Match ${etag}`);

  const stale = await api.PATCH("/api/v1/districts/{districtId}/schools/{id}", {
    params: { path, header: { "If-Match": etag } },
    headers: { "Content-Type": "application/merge-patch+json" },
    body: { name: `${name} again` },
  });
  assertStaleETagProblem(stale.response.status, stale.error);
});
