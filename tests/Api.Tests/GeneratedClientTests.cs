using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using RosterSync.Api.Tests.Generated;

namespace RosterSync.Api.Tests;

/// <summary>
/// Issue 6: the NSwag client generated from the document at build time (obj/generated, never committed) drives the
/// whole path with a real Worker in process: district and key, upload of the demo bundle, the run, paging people, a PATCH
/// with If-Match and the 412 problem of a stale one (issue 11). The other three generators: <see cref="ClientWalkTests"/>.
/// </summary>
public sealed class GeneratedClientTests(GeneratedClientTests.Factory api) : IClassFixture<GeneratedClientTests.Factory>, IAsyncLifetime
{
    /// <summary>Its own database and vhost: the Worker started here would otherwise take other tests' queued runs.</summary>
    public sealed class Factory : ApiFactory;

    private IHost _worker = null!;

    public async Task InitializeAsync() => _worker = await InProcessWorker.StartAsync(api);

    public async Task DisposeAsync()
    {
        await _worker.StopAsync();
        _worker.Dispose();
    }

    private string? _lastETag;

    private RosterSyncClient Client(string key)
    {
        var http = api.CreateDefaultClient(new ETagRecorder(etag => _lastETag = etag));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return new RosterSyncClient(http);
    }

    /// <summary>NSwag's unwrapped methods answer only the body; an integrator reads ETag on the HttpClient's way back.</summary>
    private sealed class ETagRecorder(Action<string?> record) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            record(response.Headers.ETag?.ToString());
            return response;
        }
    }

    [Fact]
    public async Task A_generated_client_creates_a_district_uploads_a_bundle_waits_for_the_run_pages_people_and_patches_with_if_match()
    {
        var operatorClient = Client(ApiFactory.OperatorKey);
        var district = await operatorClient.CreateDistrictAsync(new CreateDistrict { Name = "Generated client district" });
        var key = await operatorClient.CreateApiKeyAsync(district.Id, new CreateApiKey { Name = "integrator", Scopes = [Scope.RosterRead, Scope.RosterWrite, Scope.SyncRun] });
        var client = Client(key.Key);

        await using var bundle = File.OpenRead(Path.Combine(InProcessWorker.RepositoryRoot(), "samples", "demo-district", "demo-district.zip"));
        var run = await client.ImportFileAsync(district.Id, file: new FileParameter(bundle, "demo-district.zip", "application/zip"), dryRun: false, kind: ImportKind.Roster);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (run.Status is RunStatus.Queued or RunStatus.Running && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            run = await client.GetSyncRunAsync(district.Id, run.Id);
        }
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.True(run.Counts.People.Created > 0);

        var people = new List<PersonDto>();
        string? cursor = null;
        do
        {
            var page = await client.ListPeopleAsync(district.Id, limit: 10, cursor: cursor);
            Assert.True(page.Items.Count <= 10);
            people.AddRange(page.Items);
            cursor = page.NextCursor;
        } while (cursor is not null);

        await using var db = api.Db();
        Assert.Equal(await db.People.CountAsync(p => p.DistrictId == district.Id), people.Select(p => p.Id).Distinct().Count());
        Assert.Equal(run.Counts.People.Created, people.Count);
        Assert.All(people, p => Assert.Equal(Origin.Synced, p.Origin));

        var school = (await client.ListSchoolsAsync(district.Id, limit: 1)).Items.Single();
        await client.GetSchoolAsync(district.Id, school.Id);
        var etag = _lastETag ?? throw new InvalidOperationException("GET school answered no ETag");
        var renamed = await client.PatchSchoolAsync(district.Id, school.Id, new SchoolPatch { Name = school.Name + " (NSwag)" }, if_Match: etag);
        Assert.Equal(school.Name + " (NSwag)", renamed.Name);
        Assert.NotEqual(etag, _lastETag);
        var stale = await Assert.ThrowsAsync<ApiException<ProblemDetails>>(
            () => client.PatchSchoolAsync(district.Id, school.Id, new SchoolPatch { Name = "stale" }, if_Match: etag));
        Assert.Equal(412, stale.StatusCode);
        Assert.Equal("urn:rostersync:problem:precondition-failed", stale.Result.Type);
        Assert.Equal(412, stale.Result.Status);
        Assert.False(string.IsNullOrEmpty(stale.Result.Title));

        var problem = await Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => client.CreateDistrictAsync(new CreateDistrict { Name = "x" }));
        Assert.Equal(403, problem.StatusCode);
        Assert.Equal("urn:rostersync:problem:forbidden", problem.Result.Type);
    }
}
