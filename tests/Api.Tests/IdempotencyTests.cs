using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;

namespace RosterSync.Api.Tests;

[Collection(SharedApi.Name)]
public sealed class IdempotencyTests(ApiFactory api)
{
    private static HttpRequestMessage Post(string uri, object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    [Fact]
    public async Task The_same_key_and_body_answer_the_first_result()
    {
        var district = await api.NewDistrictAsync();
        var body = new { email = "t@x.org", givenName = "Tom", familyName = "Reed", roles = new[] { "teacher" } };
        var first = await district.Client.SendAsync(Post(district.Path + "/people", body, "key-1"));
        var again = await district.Client.SendAsync(Post(district.Path + "/people", body, "key-1"));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal((await first.ReadAsync()).Id(), (await again.ReadAsync()).Id());
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        await using var db = api.Db();
        Assert.Equal(1, await db.People.CountAsync(p => p.DistrictId == district.Id));
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_a_422_problem()
    {
        var district = await api.NewDistrictAsync();
        (await district.Client.SendAsync(Post(district.Path + "/schools", new { name = "A" }, "key-2"))).EnsureSuccessStatusCode();
        await Problem.AssertAsync(await district.Client.SendAsync(Post(district.Path + "/schools", new { name = "B" }, "key-2")),
            HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
    }

    private async Task BackdateAsync(Guid districtId, string key, TimeSpan by)
    {
        await using var db = api.Db();
        var scope = districtId.ToString();
        await db.IdempotencyRecords.Where(r => r.Scope == scope && r.Key == key)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.CreatedAt, r => r.CreatedAt - by));
    }

    [Fact]
    public async Task A_key_past_its_24_hour_retention_is_free_again()
    {
        var district = await api.NewDistrictAsync();
        var first = await (await district.Client.SendAsync(Post(district.Path + "/schools", new { name = "A" }, "key-old"))).ReadAsync();
        await BackdateAsync(district.Id, "key-old", TimeSpan.FromHours(25));

        var second = await district.Client.SendAsync(Post(district.Path + "/schools", new { name = "B" }, "key-old"));

        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.NotEqual(first.Id(), (await second.ReadAsync()).Id());
    }

    [Fact]
    public async Task A_key_left_in_progress_by_an_abandoned_request_is_free_again_after_five_minutes()
    {
        // What a request leaves when PostgreSQL goes away between reserving the key and recording its outcome.
        var district = await api.NewDistrictAsync();
        var scope = district.Id.ToString();
        await using var db = api.Db();
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO idempotency_records (scope, key, request_hash, created_at) VALUES ({scope}, 'key-abandoned', 'x', now())");
        await BackdateAsync(district.Id, "key-abandoned", TimeSpan.FromMinutes(6));

        var retried = await district.Client.SendAsync(Post(district.Path + "/schools", new { name = "A" }, "key-abandoned"));

        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        // The same request, reserved a minute ago and not finished: still in progress.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO idempotency_records (scope, key, request_hash, created_at)
            SELECT scope, 'key-busy', request_hash, now() - interval '1 minute' FROM idempotency_records WHERE scope = {scope} AND key = 'key-abandoned'
            """);
        await Problem.AssertAsync(await district.Client.SendAsync(Post(district.Path + "/schools", new { name = "A" }, "key-busy")),
            HttpStatusCode.Conflict, "idempotency-in-progress");
    }

    [Fact]
    public async Task The_purge_deletes_expired_keys_and_keeps_the_others()
    {
        var district = await api.NewDistrictAsync();
        (await district.Client.SendAsync(Post(district.Path + "/schools", new { name = "A" }, "key-expired"))).EnsureSuccessStatusCode();
        (await district.Client.SendAsync(Post(district.Path + "/schools", new { name = "B" }, "key-fresh"))).EnsureSuccessStatusCode();
        await BackdateAsync(district.Id, "key-expired", TimeSpan.FromHours(25));

        await using var db = api.Db();
        Assert.True(await Http.IdempotencyPurge.PurgeAsync(db, TimeSpan.FromHours(24), CancellationToken.None) >= 1);

        var scope = district.Id.ToString();
        Assert.Equal(["key-fresh"], await db.IdempotencyRecords.Where(r => r.Scope == scope).Select(r => r.Key).ToListAsync());
    }

    [Fact]
    public async Task A_failed_first_attempt_leaves_the_key_free()
    {
        var district = await api.NewDistrictAsync();
        await Problem.AssertInvalidAsync(await district.Client.SendAsync(Post(district.Path + "/people", new { email = "bad" }, "key-3")), "email");
        var body = new { email = "t@x.org", givenName = "Tom", familyName = "Reed", roles = new[] { "teacher" } };
        Assert.Equal(HttpStatusCode.Created, (await district.Client.SendAsync(Post(district.Path + "/people", body, "key-3"))).StatusCode);
    }

    [Fact]
    public async Task Keys_are_per_district()
    {
        var a = await api.NewDistrictAsync();
        var b = await api.NewDistrictAsync();
        var first = await (await a.Client.SendAsync(Post(a.Path + "/schools", new { name = "A" }, "shared"))).ReadAsync();
        var second = await (await b.Client.SendAsync(Post(b.Path + "/schools", new { name = "A" }, "shared"))).ReadAsync();
        Assert.NotEqual(first.Id(), second.Id());
    }

    [Fact]
    public async Task Creating_a_district_twice_with_one_key_creates_one()
    {
        var first = await (await api.Operator().SendAsync(Post("/api/v1/districts", new { name = "Once" }, "district-key"))).ReadAsync();
        var again = await (await api.Operator().SendAsync(Post("/api/v1/districts", new { name = "Once" }, "district-key"))).ReadAsync();
        Assert.Equal(first.Id(), again.Id());
    }
}
