using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;

namespace RosterSync.Domain.Export;

/// <summary>A registration as a mapping reads it: its row, its school's connection (if any) and its source values.</summary>
public sealed record ExportSource(Registration Registration, Guid? ConnectionId, IReadOnlyDictionary<string, string?> Values);

/// <summary>Reads registrations with what a mapping needs of them, for the Api's preview and validation and the Worker's export.</summary>
public static class ExportSources
{
    /// <summary>The latest registrations a validation looks at: enough to find the values a code table misses, bounded in memory.</summary>
    public const int ValidationSample = 5000;

    public static async Task<List<ExportSource>> LoadAsync(RosterDbContext db, Guid districtId, IQueryable<Registration> registrations, CancellationToken ct)
    {
        var rows = await (
            from r in registrations.Where(r => r.DistrictId == districtId)
            join s in db.Schools on r.SchoolId equals s.Id
            join c in db.ExportConnectionSchools on r.SchoolId equals c.SchoolId into connections
            from c in connections.DefaultIfEmpty()
            select new { Registration = r, s.Identifier, s.Name, ConnectionId = (Guid?)c.ConnectionId })
            .AsNoTracking().ToListAsync(ct);
        return rows.Select(row => new ExportSource(row.Registration, row.ConnectionId,
            FieldCatalogue.SourceValues(row.Registration.Id, JsonNode.Parse(row.Registration.Answers)!.AsObject(), row.Identifier, row.Name))).ToList();
    }

    /// <summary>The source values of the district's latest non-draft registrations, for <see cref="MappingValidator"/>.</summary>
    public static async Task<List<IReadOnlyDictionary<string, string?>>> SampleAsync(RosterDbContext db, Guid districtId, CancellationToken ct) =>
        (await LoadAsync(db, districtId,
            db.Registrations.Where(r => r.DistrictId == districtId && r.Status != RegistrationStatuses.Draft).OrderByDescending(r => r.Id).Take(ValidationSample), ct))
        .Select(s => s.Values).ToList();
}
