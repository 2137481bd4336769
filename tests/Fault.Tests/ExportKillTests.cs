using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using RosterSync.Domain.Model;
using RosterSync.FakeSis;
using Xunit.Abstractions;

namespace RosterSync.Fault.Tests;

/// <summary>
/// R29 for export runs (issue 13): kill -9 of the Worker holding an export run mid-run; another Worker takes the run over once
/// its lease expires and sends only what was not recorded <c>sent</c>. The fake SIS runs in the test process on 127.0.0.1 and
/// holds every POST a little, so the kill lands between registrations or inside one.
/// </summary>
public sealed class ExportKillTests(FaultCluster cluster, ITestOutputHelper output) : FaultScenario(cluster, output), IAsyncLifetime
{
    private const int RegistrationCount = 40;
    private const string ClientId = "rostersync-fault";
    private const string ClientSecret = "fault-sis-secret-77c2";
    private const string Students = "/students";
    private readonly SisState _sis = new() { PostDelay = TimeSpan.FromMilliseconds(150) };
    private WebApplication _sisApp = null!;
    private Uri _sisAddress = null!;

    public async Task InitializeAsync()
    {
        _sis.Clients[ClientId] = ClientSecret;
        (_sisApp, _sisAddress) = await FakeSisApp.StartAsync(_sis);
    }

    public async Task DisposeAsync() => await _sisApp.DisposeAsync();

    [Fact]
    public async Task R29_kill_9_of_the_Worker_holding_an_export_run_mid_run_never_sends_a_sent_registration_twice()
    {
        var district = await Cluster.CreateDistrictAsync("Export kill");
        var path = $"/api/v1/districts/{district}";
        var school = await SchoolAsync(district);
        var students = new Dictionary<Guid, string>();
        for (var i = 0; i < RegistrationCount; i++)
        {
            var localId = $"K{600000 + i}";
            var id = (await ReadAsync(await Cluster.Http.PostAsJsonAsync(path + "/registrations",
                new { schoolId = school, status = "submitted", answers = EnrollExamples.Answers(localId: localId, email: $"k{i}@kill.example") }))).GetProperty("id").GetGuid();
            await ReadAsync(await Cluster.Http.PostAsJsonAsync($"{path}/registrations/{id}/status", new { status = "approved" }));
            students[id] = localId;
        }
        var connection = (await ReadAsync(await Cluster.Http.PostAsJsonAsync(path + "/export-connections",
            EnrollExamples.Connection(_sisAddress, ClientId, ClientSecret)))).GetProperty("id").GetGuid();
        await ReadAsync(await Cluster.Http.PostAsync(new Uri($"{path}/export-connections/{connection}/target-fields/refresh", UriKind.Relative), null));
        await ReadAsync(await Cluster.Http.PutAsJsonAsync($"{path}/export-connections/{connection}/mappings", new { mappings = EnrollExamples.Mappings() }));
        await ReadAsync(await Cluster.Http.PostAsJsonAsync($"{path}/export-connections/{connection}/schools", new { schoolIds = new[] { school } }));

        var started = await Cluster.Http.PostAsJsonAsync(path + "/export-runs", new { schoolId = school });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var run = (await ReadAsync(started)).GetProperty("id").GetGuid();

        // Mid-run and mid-registration: a quarter recorded sent, and one the SIS has received but the run has not recorded yet.
        await Cluster.WaitForPhaseAsync(run, RunPhases.Exporting, PhaseWait);
        var until = DateTime.UtcNow + PhaseWait;
        while (await SentRegistrationsAsync(run) is var sent && (sent.Count < RegistrationCount / 4 || !students.Any(s => !sent.Contains(s.Key) && _sis.PostsOf(Students, s.Value) > 0)))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"export run {run} was not caught mid-registration with a quarter sent");
            await Task.Delay(10);
        }
        var seen = await Cluster.RunAsync(run);
        var holder = Cluster.Holder(seen) ?? throw new Xunit.Sdk.XunitException($"Export run {run} names no live Worker as its lease holder ('{seen.LeaseOwner}')");
        Cluster.KillAndReplace(holder);
        var killedAt = DateTime.UtcNow;
        // Read at once: the killed Worker writes nothing more, and no other takes the run before its lease expires.
        var sentBeforeKill = await SentRegistrationsAsync(run);
        var postsAtKill = students.ToDictionary(s => s.Key, s => _sis.PostsOf(Students, s.Value));
        Output.WriteLine($"kill -9 of {holder.Name} (pid {holder.Id}) holding export run {run} with {sentBeforeKill.Count} of {RegistrationCount} sent, " +
            $"{postsAtKill.Count(p => !sentBeforeKill.Contains(p.Key) && p.Value > 0)} in flight");
        Assert.InRange(sentBeforeKill.Count, RegistrationCount / 4, RegistrationCount - 1);

        var status = await Cluster.WaitForEndAsync(run, FaultCluster.RunEndBound);
        var recovery = (DateTime.UtcNow - killedAt).TotalSeconds;
        var ended = await Cluster.RunAsync(run);
        var items = await ItemsAsync(run);
        var posted = students.ToDictionary(s => s.Key, s => _sis.PostsOf(Students, s.Value));
        var repostedAfterKill = posted.Where(p => p.Value > 1).Select(p => p.Key).ToList();
        var inFlight = students.Keys.Where(id => !sentBeforeKill.Contains(id) && postsAtKill[id] > 0).ToList();
        var notSent = students.Keys.Count(id => !(items.TryGetValue(id, out var item) && item.Status == "sent" && item.SisId is not null));
        var extraStudents = _sis.Students.Count - students.Count;
        var row = new FaultRow($"kill -9 of the holder of an export run ({sentBeforeKill.Count}/{RegistrationCount} sent)", 1,
            status is null ? 1 : 0, notSent, Math.Max(0, extraStudents), recovery,
            $"1 {status ?? "stuck"}; {repostedAfterKill.Count} registration(s) POSTed twice (in flight at the kill)");
        Cluster.Table.Add(row);
        Output.WriteLine(Cluster.Table.Render());

        Assert.True(ended.Status == RunStatus.Succeeded, $"export run {run} is {ended.Status}: {ended.Error}");
        Assert.True(ended.Takeovers >= 1, $"export run {run} was taken over {ended.Takeovers} times");
        Assert.NotEqual(seen.LeaseOwner, ended.LeaseOwner);
        // Every registration sent with its SIS id, which is the id of the one student the SIS holds for it.
        Assert.Equal(students.Count, _sis.Students.Count);
        foreach (var (id, localId) in students)
        {
            Assert.Equal("sent", items[id].Status);
            Assert.Equal(_sis.Students[localId].Id.ToString("N"), items[id].SisId);
        }
        // What was recorded sent before the kill was never POSTed again; only the registration in flight at the kill may be.
        foreach (var id in sentBeforeKill) Assert.Equal((students[id], 1, 1), (students[id], postsAtKill[id], posted[id]));
        // The registration in flight at the kill (the SIS had its POST, the run had not recorded it) is POSTed again: Ed-Fi's POST
        // is an upsert by natural key, so the SIS still holds one student for it. It is the only one, and only once more.
        Assert.True(inFlight.Count <= 1, $"{inFlight.Count} registrations were in flight at once");
        Assert.Equal(inFlight, repostedAfterKill);
        Assert.All(repostedAfterKill, id => Assert.Equal(2, posted[id]));
        AssertRecovered(row);
    }

    private async Task<Guid> SchoolAsync(Guid district)
    {
        await using var db = Cluster.Database.CreateDbContext();
        var now = DateTimeOffset.UtcNow;
        var school = new School { Id = Guid.CreateVersion7(), DistrictId = district, Name = "Kill High", Identifier = "255901", Origin = Origins.Manual, CreatedAt = now, UpdatedAt = now };
        db.Schools.Add(school);
        await db.SaveChangesAsync();
        return school.Id;
    }

    private async Task<HashSet<Guid>> SentRegistrationsAsync(Guid run) =>
        [.. (await ItemsAsync(run)).Where(i => i.Value.Status == "sent").Select(i => i.Key)];

    private async Task<Dictionary<Guid, (string Status, string? SisId)>> ItemsAsync(Guid run)
    {
        await using var command = Cluster.Db.CreateCommand("SELECT registration_id, status, sis_id FROM export_run_items WHERE run_id = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = run });
        await using var reader = await command.ExecuteReaderAsync();
        var items = new Dictionary<Guid, (string, string?)>();
        while (await reader.ReadAsync()) items[reader.GetGuid(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        return items;
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }
}
