using System.Collections.Concurrent;
using Npgsql;
using RosterSync.Api.Http;

namespace RosterSync.Api.People;

/// <summary>
/// The two hottest reads of the Api, GET people (no filter) and GET people/{id}, straight from Npgsql into
/// <see cref="PersonDto"/>: the same SQL EF Core sends for them (<see cref="PersonQueries.ReadRowsAsync"/>, one row per
/// person and active school), without EF's per-request query pipeline, entity materialization and the entity → DTO copy
/// (together about a third of the Api's CPU per page; docs/benchmarks.md, "Api reads"). The statements are prepared
/// on each connection (Max Auto Prepare) and the page size is a constant in the SQL, as in Paging.TakePage, so
/// PostgreSQL keeps one plan per page size. Lists with filters stay on EF Core.
/// </summary>
internal static class PersonReads
{
    // The order the readers below expect; "xmin" is the row version (the ETag).
    private const string Columns =
        "id, email, given_name, family_name, middle_name, roles, grade, graduation_year, sms, phone, language, room, " +
        "status, origin, account_state, sis_id, one_roster_id, clever_id, class_link_id, created_at, updated_at, xmin";

    // $1 is the district in every statement below: naming it (not p.district_id) picks the memberships partition when planning.
    private const string Schools =
        "LEFT JOIN LATERAL (SELECT DISTINCT m.school_id FROM memberships AS m WHERE m.district_id = $1 AND m.person_id = p.id AND m.ended_at IS NULL) AS s ON TRUE";

    private static readonly string OfP = "p." + Columns.Replace(", ", ", p.", StringComparison.Ordinal);

    private static readonly string ById = $"SELECT {OfP}, s.school_id FROM people AS p {Schools} WHERE p.district_id = $1 AND p.id = $2";

    private static readonly ConcurrentDictionary<(bool After, int Take), string> PageSql = new();

    /// <summary>One person of the district with its row version, or null.</summary>
    public static async Task<(PersonDto Person, uint Version)?> FindAsync(NpgsqlDataSource dataSource, Guid districtId, Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(ById);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = districtId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        var rows = await ReadAsync(command, ct);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Up to <paramref name="take"/> people of the district after <paramref name="after"/>, in id order.</summary>
    public static async Task<List<PersonDto>> PageAsync(NpgsqlDataSource dataSource, Guid districtId, Guid? after, int take, CancellationToken ct)
    {
        var sql = PageSql.GetOrAdd((after is not null, take), static key =>
            $"SELECT {OfP}, s.school_id FROM " +
            $"(SELECT {Columns} FROM people WHERE district_id = $1{(key.After ? " AND id > $2" : "")} ORDER BY id LIMIT {key.Take}) AS p " +
            $"{Schools} ORDER BY p.id");
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = districtId });
        if (after is { } afterId) command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = afterId });
        var rows = await ReadAsync(command, ct);
        return rows.ConvertAll(r => r.Person);
    }

    /// <summary>Folds the rows (one per person and school, in person order) into one person each, schools sorted.</summary>
    private static async Task<List<(PersonDto Person, uint Version)>> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var people = new List<(PersonDto Person, uint Version)>();
        List<Guid>? schools = null;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetGuid(0);
            if (people.Count == 0 || people[^1].Person.Id != id)
            {
                schools?.Sort();
                schools = [];
                people.Add((new PersonDto(
                    id, Text(reader, 1), Text(reader, 2), Text(reader, 3), Text(reader, 4), reader.GetFieldValue<string[]>(5),
                    Text(reader, 6), reader.IsDBNull(7) ? null : reader.GetInt32(7), Text(reader, 8), Text(reader, 9), Text(reader, 10),
                    Text(reader, 11), reader.GetString(12), reader.GetString(13), reader.GetString(14),
                    new SourceIds(Text(reader, 15), Text(reader, 16), Text(reader, 17), Text(reader, 18)), schools,
                    reader.GetFieldValue<DateTimeOffset>(19), reader.GetFieldValue<DateTimeOffset>(20)), reader.GetFieldValue<uint>(21)));
            }
            if (!reader.IsDBNull(22)) schools!.Add(reader.GetGuid(22));
        }
        // Sorted here rather than in SQL, as PersonQueries does: ORDER BY id, school_id would add a sort step to every page.
        schools?.Sort();
        return people;
    }

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
