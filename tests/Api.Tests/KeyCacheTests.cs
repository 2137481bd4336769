using System.Net;
using Microsoft.EntityFrameworkCore;

namespace RosterSync.Api.Tests;

/// <summary>District keys are remembered for Auth:KeyCacheSeconds (ApiKeyCache); this bounds how long a key revoked elsewhere works.</summary>
public sealed class KeyCacheTests(KeyCacheTests.Factory api) : IClassFixture<KeyCacheTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Auth:KeyCacheSeconds", "1")];
    }

    [Fact]
    public async Task A_key_revoked_through_another_replica_is_refused_once_the_cache_period_is_over()
    {
        var district = await api.NewDistrictAsync();
        Assert.Equal(HttpStatusCode.OK, (await district.Client.GetAsync(district.Path + "/people")).StatusCode);

        await using (var db = api.Db())
            await db.ApiKeys.Where(k => k.DistrictId == district.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, DateTimeOffset.UtcNow));
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        await Problem.AssertAsync(await district.Client.GetAsync(district.Path + "/people"), HttpStatusCode.Unauthorized, "unauthorized");
    }
}
