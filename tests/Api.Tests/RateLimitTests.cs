using System.Net;

namespace RosterSync.Api.Tests;

public sealed class RateLimitTests(RateLimitTests.Factory api) : IClassFixture<RateLimitTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("RateLimit:PermitsPerMinute", "5")];
    }

    [Fact]
    public async Task A_key_over_its_limit_gets_a_429_problem_with_retry_after_and_other_keys_do_not()
    {
        var district = await api.NewDistrictAsync();
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await district.Client.GetAsync(district.Path + "/people")).StatusCode);
        var refused = await district.Client.GetAsync(district.Path + "/people");
        await Problem.AssertAsync(refused, HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        var other = await api.NewDistrictAsync();
        Assert.Equal(HttpStatusCode.OK, (await other.Client.GetAsync(other.Path + "/people")).StatusCode);
    }
}
