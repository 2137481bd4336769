using RosterSync.Domain.Model;

namespace RosterSync.Worker.Tests.Sources;

/// <summary>A Worker whose operator allows sources on 127.0.0.1 only and gives a read two seconds.</summary>
public sealed class RestrictedSourceWorkerFixture : SourceWorkerFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [new("Sources:AllowedHosts:0", "127.0.0.1"), new("Sources:RunBudget", "00:00:02")];
}

public class RestrictedSourceTests(RestrictedSourceWorkerFixture worker, FakeCleverServer clever)
    : IClassFixture<RestrictedSourceWorkerFixture>, IClassFixture<FakeCleverServer>
{
    private async Task<(Guid District, CleverTenant Clever)> DistrictAsync(string baseUrl)
    {
        var tenant = clever.AddDistrict();
        CleverData.Lincoln(tenant);
        var district = await worker.CreateDistrictAsync();
        await worker.ConfigureAsync(district, SourceWorkerFixture.Settings(new SourceSettings { Kind = SourceKinds.Clever, BaseUrl = baseUrl }),
            new Dictionary<string, string> { ["token"] = tenant.Token });
        return (district, tenant);
    }

    [Fact]
    public async Task A_source_on_a_host_the_operator_does_not_allow_is_never_called()
    {
        var (district, tenant) = await DistrictAsync($"http://localhost:{clever.Address.Port}");

        var run = await worker.SyncAsync(district, SourceKinds.Clever);
        var test = await worker.TestSourceAsync(district);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("'localhost' is not among the hosts the operator allows", run.Error);
        Assert.True(test.SettingsProblem);
        Assert.Empty(tenant.Requests);
    }

    [Fact]
    public async Task R22_a_read_over_its_time_budget_fails_and_applies_nothing()
    {
        var (district, tenant) = await DistrictAsync(clever.Address.ToString());
        tenant.Faults = _ => Fault.Hang(TimeSpan.FromMilliseconds(700));

        var run = await worker.SyncAsync(district, SourceKinds.Clever);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("did not finish within its time budget of 00:00:02", run.Error);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
    }
}
