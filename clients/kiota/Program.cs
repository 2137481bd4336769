using System.Net.Http.Headers;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;
using RosterSync.KiotaWalk.Generated;
using RosterSync.KiotaWalk.Generated.Models;

// The walk an integrator's code does with the client Kiota generates from the served document, against a running Api
// and Worker. tests/Api.Tests/ClientWalkTests.cs sets the three variables, generates Generated/ and runs this.
var baseUrl = Need("ROSTERSYNC_URL");
var operatorKey = Need("ROSTERSYNC_OPERATOR_KEY");
var bundlePath = Need("ROSTERSYNC_BUNDLE");

var operatorClient = Client(baseUrl, operatorKey);
var district = await operatorClient.Api.V1.Districts.PostAsync(new CreateDistrict { Name = "Kiota walk" });
var districtId = district?.Id ?? throw new WalkFailed("create district answered no id");
var key = await operatorClient.Api.V1.Districts[districtId].ApiKeys.PostAsync(
    new CreateApiKey { Name = "kiota", Scopes = [Scope.RosterRead, Scope.RosterWrite, Scope.SyncRun] });
var api = Client(baseUrl, key?.Key ?? throw new WalkFailed("create key answered no key")).Api.V1.Districts[districtId];
Step($"district {districtId} and its key");

await using var bundle = File.OpenRead(bundlePath);
var form = new MultipartBody();
form.AddOrReplacePart("file", "application/zip", bundle, "demo-district.zip");
form.AddOrReplacePart("kind", "text/plain", "roster");
form.AddOrReplacePart("dryRun", "text/plain", "false");
var run = await api.Imports.PostAsync(form) ?? throw new WalkFailed("upload answered no run");
var runId = run.Id ?? throw new WalkFailed("the run has no id");

var deadline = DateTime.UtcNow.AddMinutes(1);
while (Is(run.Status, "queued") || Is(run.Status, "running"))
{
    if (DateTime.UtcNow > deadline) throw new WalkFailed($"run {runId} still {run.Status} after a minute");
    await Task.Delay(250);
    run = await api.SyncRuns[runId].GetAsync() ?? throw new WalkFailed("get run answered nothing");
}
Check(Is(run.Status, "succeeded"), $"run {runId} {run.Status}: {run.Error}");
var created = run.Counts?.People?.Created ?? 0;
Check(created > 0, "the run created people");
Step($"run {runId} {run.Status}, {created} people created");

var ids = new HashSet<Guid>();
string? cursor = null;
do
{
    var page = await api.People.GetAsync(c => (c.QueryParameters.Limit, c.QueryParameters.Cursor) = (10, cursor))
        ?? throw new WalkFailed("list people answered nothing");
    var items = page.Items ?? [];
    Check(items.Count <= 10, $"a page of limit 10 held {items.Count}");
    foreach (var person in items) ids.Add(person.Id ?? throw new WalkFailed("a person without id"));
    cursor = page.NextCursor;
} while (cursor is not null);
Check(ids.Count == created, $"paged {ids.Count} people, the run created {created}");
Step($"paged {ids.Count} people, 10 at a time");

var schools = await api.Schools.GetAsync(c => c.QueryParameters.Limit = 1);
var schoolId = schools?.Items?.FirstOrDefault()?.Id ?? throw new WalkFailed("the bundle has no school");
var school = api.Schools[schoolId];
// Kiota hands response headers to a request option, not to the model.
var readHeaders = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
var read = await school.GetAsync(c => c.Options.Add(readHeaders)) ?? throw new WalkFailed("get school answered nothing");
var etag = readHeaders.ResponseHeaders["ETag"].Single();

var name = $"{read.Name} (Kiota)";
var patchHeaders = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
var patched = await school.PatchAsync(new SchoolPatch { Name = name }, c =>
{
    c.Headers.Add("If-Match", etag);
    c.Options.Add(patchHeaders);
});
Check(patched?.Name == name, $"the patched name is {patched?.Name}");
Check(patchHeaders.ResponseHeaders["ETag"].Single() != etag, "a patch changes the ETag");
Step($"patched school {schoolId} with If-Match {etag}");

try
{
    await school.PatchAsync(new SchoolPatch { Name = name + " again" }, c => c.Headers.Add("If-Match", etag));
    throw new WalkFailed("a stale If-Match was accepted");
}
catch (ProblemDetails problem)
{
    Check(problem.ResponseStatusCode == 412 && problem.Status == 412, $"a stale If-Match answered {problem.ResponseStatusCode}");
    Check(problem.Type == "urn:rostersync:problem:precondition-failed", $"problem type {problem.Type}");
    Check(!string.IsNullOrEmpty(problem.Title), "the problem has a title");
    Step($"a stale If-Match answered {problem.Status} {problem.Type}");
}
Console.WriteLine("walk: done");
return 0;

static string Need(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new WalkFailed($"{name} is not set");

static RosterSyncApiClient Client(string baseUrl, string key)
{
    var http = KiotaClientFactory.Create();
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    return new RosterSyncApiClient(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http) { BaseUrl = baseUrl });
}

// Closed vocabularies are strings in a document without enums and C# enums (named as the wire value) in one with them.
static bool Is(object? value, string wire) => string.Equals(value?.ToString(), wire, StringComparison.OrdinalIgnoreCase);

static void Check(bool condition, string what)
{
    if (!condition) throw new WalkFailed(what);
}

static void Step(string text) => Console.WriteLine("walk: " + text);

internal sealed class WalkFailed(string message) : Exception(message);
