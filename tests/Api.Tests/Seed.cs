using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.Tests;

/// <summary>Rows as a Worker's run would leave them, written straight to the database.</summary>
public static class Seed
{
    public static async Task<SyncRun> RunAsync(this ApiFactory api, Guid districtId, string status, bool dryRun = false, Action<SyncRun>? configure = null)
    {
        var run = new SyncRun
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, Status = status, Trigger = RunTriggers.Api, SourceKind = SourceKinds.Clever,
            DryRun = dryRun, QueuedAt = DateTimeOffset.UtcNow.AddMinutes(-5), StartedAt = DateTimeOffset.UtcNow.AddMinutes(-4),
            FinishedAt = status is RunStatus.Succeeded or RunStatus.Failed ? DateTimeOffset.UtcNow.AddMinutes(-1) : null,
        };
        configure?.Invoke(run);
        await using var db = api.Db();
        db.SyncRuns.Add(run);
        await db.SaveChangesAsync();
        return run;
    }

    public static async Task<Person> PersonAsync(this ApiFactory api, Guid districtId, string email, Action<Person>? configure = null)
    {
        var now = DateTimeOffset.UtcNow;
        var person = new Person
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, Email = email, NormalizedEmail = email.ToLowerInvariant(),
            GivenName = "Ana", FamilyName = "Diaz", Roles = [Roles.Student], Grade = "09", GraduationYear = 2029,
            Origin = Origins.Synced, AccountState = AccountStates.Invitee, SisId = "sis-" + email, OneRosterId = "or-" + email,
            CreatedAt = now, UpdatedAt = now,
        };
        configure?.Invoke(person);
        await using var db = api.Db();
        db.People.Add(person);
        await db.SaveChangesAsync();
        return person;
    }

    public static async Task<School> SchoolAsync(this ApiFactory api, Guid districtId, string name = "Lincoln High")
    {
        var now = DateTimeOffset.UtcNow;
        var school = new School { Id = Guid.CreateVersion7(), DistrictId = districtId, Name = name, Origin = Origins.Synced, OneRosterId = "org-" + Guid.NewGuid(), CreatedAt = now, UpdatedAt = now };
        await using var db = api.Db();
        db.Schools.Add(school);
        await db.SaveChangesAsync();
        return school;
    }

    public static async Task<Class> ClassAsync(this ApiFactory api, Guid districtId, string origin = Origins.Synced, Action<Class>? configure = null)
    {
        var now = DateTimeOffset.UtcNow;
        var created = new Class { Id = Guid.CreateVersion7(), DistrictId = districtId, Name = "Algebra I", Grade = "09", Origin = origin, CreatedAt = now, UpdatedAt = now };
        if (origin == Origins.Synced) created.OneRosterId = "cls-" + Guid.NewGuid();
        configure?.Invoke(created);
        await using var db = api.Db();
        db.Classes.Add(created);
        await db.SaveChangesAsync();
        return created;
    }

    public static async Task AddAsync(this ApiFactory api, params object[] rows)
    {
        await using RosterDbContext db = api.Db();
        db.AddRange(rows);
        await db.SaveChangesAsync();
    }
}
