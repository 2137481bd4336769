using Npgsql;
using RosterSync.Domain.Reconciliation;

namespace RosterSync.Domain.Persistence;

/// <summary>
/// What the link tables' foreign keys used to check row by row, checked once per plan and more strictly: every person,
/// school and class a written membership, enrollment or guardian link names is a record of the run's own district.
/// References to records the plan itself writes are resolved in memory (all of them in a first import); the others are
/// looked up in one statement per table.
/// </summary>
internal static class LinkReferences
{
    /// <exception cref="InvalidOperationException">A link names a record that is not in the district; the caller's transaction must not commit.</exception>
    public static async Task CheckAsync(NpgsqlConnection connection, Guid districtId, Plan plan, CancellationToken ct)
    {
        var people = Outside(plan.People.Select(p => p.Id),
            (plan.Memberships, true, false), (plan.Enrollments, true, false), (plan.GuardianLinks, true, true));
        var schools = Outside(plan.Schools.Select(s => s.Id), (plan.Memberships, false, true));
        var classes = Outside(plan.Classes.Select(c => c.Id), (plan.Enrollments, false, true));
        foreach (var (table, ids) in new[] { ("people", people), ("schools", schools), ("classes", classes) })
        {
            if (ids.Length == 0) continue;
            await using var command = new NpgsqlCommand(
                $"SELECT r.id FROM unnest($2::uuid[]) AS r(id) WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = r.id AND t.district_id = $1) LIMIT 1",
                connection) { CommandTimeout = 0 };
            command.Parameters.Add(new NpgsqlParameter { Value = districtId });
            command.Parameters.Add(new NpgsqlParameter { Value = ids });
            if (await command.ExecuteScalarAsync(ct) is Guid missing)
                throw new InvalidOperationException($"A link of this run names {table} record {missing}, which is not in the district; nothing was applied.");
        }
    }

    /// <summary>The distinct ids the given link columns name that are not among <paramref name="written"/>.</summary>
    private static Guid[] Outside(IEnumerable<Guid> written, params (LinkList Links, bool Person, bool Target)[] columns)
    {
        var known = written.ToHashSet();
        var outside = new HashSet<Guid>();
        foreach (var (links, person, target) in columns)
        {
            for (var i = 0; i < links.Count; i++)
            {
                if (person && !known.Contains(links.PersonId(i))) outside.Add(links.PersonId(i));
                if (target && !known.Contains(links.TargetId(i))) outside.Add(links.TargetId(i));
            }
        }
        return [.. outside];
    }
}
