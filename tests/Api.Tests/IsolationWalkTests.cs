using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RosterSync.Domain.Events;
using RosterSync.Domain.Export;
using RosterSync.Domain.Model;

namespace RosterSync.Api.Tests;

/// <summary>
/// Issue 6: walks every operation of /openapi/v1.json with a key of another district, so a new endpoint cannot
/// forget the district check. Record ids are real records of the victim district, so each 404 comes from isolation.
/// </summary>
[Collection(SharedApi.Name)]
public sealed class IsolationWalkTests(ApiFactory api)
{
    [Fact]
    public async Task Every_operation_answers_another_districts_key_with_404_or_403_for_operator_routes()
    {
        var victim = await api.NewDistrictAsync();
        var attacker = await api.NewDistrictAsync();
        var ids = await VictimRecordsAsync(victim.Id);
        var before = await CountRowsAsync(victim.Id);

        using var document = JsonDocument.Parse(await api.CreateClient().GetStringAsync("/openapi/v1.json"));
        var walked = new List<string>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/v1/", StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var method = new HttpMethod(operation.Name.ToUpperInvariant());
                var scope = operation.Value.GetProperty("x-scope").GetString();
                var uri = Fill(path.Name, victim.Id, ids);
                var request = new HttpRequestMessage(method, uri) { Content = Body(method, path.Name) };
                var response = await attacker.Client.SendAsync(request);
                var expected = scope == "operator" ? HttpStatusCode.Forbidden : HttpStatusCode.NotFound;
                Assert.True(expected == response.StatusCode, $"{method} {path.Name}: expected {(int)expected}, got {(int)response.StatusCode}");
                await Problem.AssertAsync(response, expected, expected == HttpStatusCode.Forbidden ? "forbidden" : "not-found");
                walked.Add($"{method} {path.Name}");
            }
        }

        Assert.True(walked.Count >= 35, $"Only {walked.Count} operations walked: {string.Join(", ", walked)}");
        Assert.Equal(before, await CountRowsAsync(victim.Id));
    }

    [Fact]
    public async Task Another_districts_records_under_your_own_path_are_not_found()
    {
        var victim = await api.NewDistrictAsync();
        var attacker = await api.NewDistrictAsync();
        var ids = await VictimRecordsAsync(victim.Id);

        using var document = JsonDocument.Parse(await api.CreateClient().GetStringAsync("/openapi/v1.json"));
        var walked = 0;
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.StartsWith("/api/v1/districts/{districtId}/", StringComparison.Ordinal) && p.Name.Count(c => c == '{') > 1))
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.GetProperty("x-scope").GetString() != "operator"))
            {
                var method = new HttpMethod(operation.Name.ToUpperInvariant());
                var request = new HttpRequestMessage(method, Fill(path.Name, attacker.Id, ids)) { Content = Body(method, path.Name) };
                var response = await attacker.Client.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path.Name}: got {(int)response.StatusCode}");
                walked++;
            }
        }
        Assert.True(walked >= 15, $"Only {walked} operations walked");
    }

    private static string Fill(string template, Guid districtId, Dictionary<string, Guid> ids)
    {
        var segments = template.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (segments[i] == "{districtId}") segments[i] = districtId.ToString();
            else if (segments[i].StartsWith('{')) segments[i] = ids[segments[i - 1]].ToString();
        }
        return string.Join('/', segments);
    }

    private static HttpContent? Body(HttpMethod method, string path)
    {
        if (method == HttpMethod.Get || method == HttpMethod.Delete) return null;
        if (path.EndsWith("/imports", StringComparison.Ordinal))
        {
            var file = new ByteArrayContent(ImportTests.OneRosterZip());
            file.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            return new MultipartFormDataContent { { file, "file", "roster.zip" } };
        }
        return new StringContent("{}", Encoding.UTF8, "application/json");
    }

    /// <summary>One real record of the victim per kind of id a route takes, keyed by the path segment before the id.</summary>
    private async Task<Dictionary<string, Guid>> VictimRecordsAsync(Guid districtId)
    {
        var person = await api.PersonAsync(districtId, $"victim-{Guid.NewGuid():N}@x.org");
        var synced = await api.ClassAsync(districtId);
        var school = await api.SchoolAsync(districtId);
        var run = await api.RunAsync(districtId, RunStatus.Succeeded);
        await using var db = api.Db();
        var key = await db.ApiKeys.Where(k => k.DistrictId == districtId).Select(k => k.Id).FirstAsync();
        var enrollment = new Enrollment
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, ClassId = synced.Id, PersonId = person.Id, Role = EnrollmentRoles.Student,
            Origin = Origins.Synced, CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Enrollments.Add(enrollment);
        var guardian = await api.PersonAsync(districtId, $"victim-guardian-{Guid.NewGuid():N}@x.org", p => p.Roles = [Roles.Guardian]);
        var link = new GuardianLink
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, GuardianId = guardian.Id, StudentId = person.Id, Origin = Origins.Manual, CreatedAt = DateTimeOffset.UtcNow,
        };
        db.GuardianLinks.Add(link);
        var hook = new WebhookSubscription
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, Url = "https://hooks.example.com/victim", Secret = "not used", CreatedAt = DateTimeOffset.UtcNow,
        };
        db.WebhookSubscriptions.Add(hook);
        var delivery = new WebhookDelivery
        {
            Id = Guid.CreateVersion7(), SubscriptionId = hook.Id, DistrictId = districtId, MessageId = "msg_victim", Body = "{}",
            Status = DeliveryStatus.Succeeded, CreatedAt = DateTimeOffset.UtcNow,
        };
        db.WebhookDeliveries.Add(delivery);
        var registration = new Registration
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, SchoolId = school.Id, Answers = "{}", CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
        };
        db.Registrations.Add(registration);
        var connection = new ExportConnection
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, Name = "SIS", BaseUrl = "https://sis.example/", AuthKind = ExportAuthKinds.Bearer,
            OpenApiUrl = "/openapi.json", CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
        };
        db.ExportConnections.Add(connection);
        await db.SaveChangesAsync();
        var exportRun = await api.RunAsync(districtId, RunStatus.Succeeded, configure: r => r.SourceKind = ExportRunStatuses.SourceKind);
        return new()
        {
            ["people"] = person.Id, ["classes"] = synced.Id, ["schools"] = school.Id, ["sync-runs"] = run.Id, ["api-keys"] = key,
            ["enrollments"] = enrollment.Id, ["guardians"] = link.Id, ["webhooks"] = hook.Id, ["deliveries"] = delivery.Id,
            ["registrations"] = registration.Id, ["export-connections"] = connection.Id,
            ["export-runs"] = exportRun.Id,
        };
    }

    private async Task<string> CountRowsAsync(Guid districtId)
    {
        await using var db = api.Db();
        return string.Join(",",
            await db.People.CountAsync(p => p.DistrictId == districtId), await db.Classes.CountAsync(c => c.DistrictId == districtId),
            await db.Schools.CountAsync(s => s.DistrictId == districtId), await db.SyncRuns.CountAsync(r => r.DistrictId == districtId),
            await db.ApiKeys.CountAsync(k => k.DistrictId == districtId && k.RevokedAt == null), await db.Uploads.CountAsync(u => u.DistrictId == districtId),
            await db.SyncSettings.CountAsync(s => s.DistrictId == districtId), await db.Enrollments.CountAsync(e => e.DistrictId == districtId),
            await db.GuardianLinks.CountAsync(g => g.DistrictId == districtId), await db.WebhookSubscriptions.CountAsync(w => w.DistrictId == districtId && w.Enabled),
            await db.WebhookDeliveries.CountAsync(d => d.DistrictId == districtId));
    }
}
