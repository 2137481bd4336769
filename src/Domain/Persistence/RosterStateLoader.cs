using System.Text;
using Npgsql;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Persistence;

/// <summary>
/// Reads a district's current roster into the planner's records, one streaming query per table. At district
/// scale (a million people, millions of links) it keeps the result compact: links go into column-wise
/// <see cref="LinkList"/>s, and text goes through a string pool, so values that repeat (status, roles, grades,
/// names) are held once, and so are the ids and emails the snapshot also holds when the run shares its pool
/// (<see cref="SharedStrings"/>).
/// </summary>
public static class RosterStateLoader
{
    /// <param name="onlyPeople">
    /// A fingerprinted re-sync's scope (<see cref="ResyncScope.People"/>): only these people, their memberships and enrollments, and the
    /// guardian links between them are read; schools, classes, sessions and courses are read whole. Null: the whole district.
    /// </param>
    /// <param name="catalog">Schools, classes, sessions and courses loaded already (a re-sync's index): taken instead of read again.</param>
    public static async Task<RosterState> LoadAsync(
        NpgsqlConnection connection, Guid districtId, CancellationToken ct, IReadOnlyCollection<Guid>? onlyPeople = null, RosterState? catalog = null)
    {
        var only = onlyPeople?.ToArray();
        var pool = SharedStrings.Current ?? new StringPool();
        var text = new PooledText(pool);
        var roleLists = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string? Pooled(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : pool.Get(r.GetString(i));
        string[] Roles(NpgsqlDataReader r, int i)
        {
            var joined = text.Read(r, i) ?? "";
            if (roleLists.TryGetValue(joined, out var shared)) return shared;
            var roles = joined.Length == 0 ? [] : joined.Split(',');
            for (var k = 0; k < roles.Length; k++) roles[k] = pool.Get(roles[k])!;
            return roleLists[joined] = roles;
        }

        var state = new RosterState
        {
            // Text comes as UTF-8 bytes (convert_to) and is read through the pool: a million people cost no string each
            // for values the snapshot or an earlier row already holds.
            People = await ReadAsync(connection, districtId, """
                SELECT id, convert_to(email, 'UTF8'), convert_to(normalized_email, 'UTF8'), convert_to(given_name, 'UTF8'),
                       convert_to(family_name, 'UTF8'), convert_to(middle_name, 'UTF8'), convert_to(array_to_string(roles, ','), 'UTF8'),
                       convert_to(grade, 'UTF8'), graduation_year, convert_to(sms, 'UTF8'), convert_to(phone, 'UTF8'),
                       convert_to(language, 'UTF8'), convert_to(room, 'UTF8'), convert_to(status, 'UTF8'), convert_to(origin, 'UTF8'),
                       convert_to(account_state, 'UTF8'), convert_to(sis_id, 'UTF8'), convert_to(one_roster_id, 'UTF8'),
                       convert_to(clever_id, 'UTF8'), convert_to(class_link_id, 'UTF8')
                FROM people WHERE district_id = $1
                """ + (only is null ? "" : " AND id = ANY($2)"), r => new PersonRecord
            {
                Id = r.GetGuid(0), Email = text.Read(r, 1), NormalizedEmail = text.Read(r, 2), GivenName = text.Read(r, 3),
                FamilyName = text.Read(r, 4), MiddleName = text.Read(r, 5), Roles = Roles(r, 6), Grade = text.Read(r, 7),
                GraduationYear = r.IsDBNull(8) ? null : r.GetInt32(8), Sms = text.Read(r, 9), Phone = text.Read(r, 10),
                Language = text.Read(r, 11), Room = text.Read(r, 12), Status = text.Read(r, 13)!, Origin = text.Read(r, 14)!,
                AccountState = text.Read(r, 15)!, Links = new(text.Read(r, 16), text.Read(r, 17), text.Read(r, 18), text.Read(r, 19)),
            }, ct, only),
            Schools = catalog?.Schools ?? await ReadAsync(connection, districtId,
                "SELECT id, name, identifier, status, origin, sis_id, one_roster_id, clever_id, class_link_id FROM schools WHERE district_id = $1",
                r => new SchoolRecord
                {
                    Id = r.GetGuid(0), Name = r.GetString(1), Identifier = Str(r, 2), Status = r.GetString(3), Origin = r.GetString(4), Links = Links(r, 5),
                }, ct),
            Classes = catalog?.Classes ?? await ReadAsync(connection, districtId, """
                SELECT id, name, school_id, grade, subject, term_id, course_id, is_homeroom, status, origin, sis_id, one_roster_id, clever_id, class_link_id
                FROM classes WHERE district_id = $1
                """, r => new ClassRecord
            {
                Id = r.GetGuid(0), Name = Pooled(r, 1)!, SchoolId = Id(r, 2), Grade = Pooled(r, 3), Subject = Pooled(r, 4), TermId = Id(r, 5),
                CourseId = Id(r, 6), IsHomeroom = r.GetBoolean(7), Status = Pooled(r, 8)!, Origin = Pooled(r, 9)!, Links = Links(r, 10),
            }, ct),
            Sessions = catalog?.Sessions ?? await ReadAsync(connection, districtId, """
                SELECT id, title, type, start_date, end_date, school_year, status, sis_id, one_roster_id, clever_id, class_link_id
                FROM academic_sessions WHERE district_id = $1
                """, r => new SessionRecord
            {
                Id = r.GetGuid(0), Title = r.GetString(1), Type = Str(r, 2),
                StartDate = r.IsDBNull(3) ? null : r.GetFieldValue<DateOnly>(3), EndDate = r.IsDBNull(4) ? null : r.GetFieldValue<DateOnly>(4),
                SchoolYear = Str(r, 5), Status = r.GetString(6), Links = Links(r, 7),
            }, ct),
            Courses = catalog?.Courses ?? await ReadAsync(connection, districtId, """
                SELECT id, title, course_code, school_id, status, sis_id, one_roster_id, clever_id, class_link_id
                FROM courses WHERE district_id = $1
                """, r => new CourseRecord
            {
                Id = r.GetGuid(0), Title = r.GetString(1), CourseCode = Str(r, 2), SchoolId = Id(r, 3), Status = r.GetString(4), Links = Links(r, 5),
            }, ct),
            Memberships = await ReadLinksAsync(connection, districtId, "memberships", "person_id", "school_id", "role", Model.Roles.Student, only, ct),
            Enrollments = await ReadLinksAsync(connection, districtId, "enrollments", "person_id", "class_id", "role", Model.EnrollmentRoles.Student, only, ct),
            GuardianLinks = await ReadLinksAsync(connection, districtId, "guardian_links", "guardian_id", "student_id", "relationship", null, only, ct),
        };
        return state;
    }

    /// <param name="usualRole">
    /// The role most rows have (a membership's or enrollment's role is never null): the query sends it as null,
    /// and the commonest origin too, so millions of rows cost no string each.
    /// </param>
    private static async Task<LinkList> ReadLinksAsync(
        NpgsqlConnection connection, Guid districtId, string table, string person, string target, string role, string? usualRole, Guid[]? only,
        CancellationToken ct)
    {
        var roleColumn = usualRole is null ? role : $"NULLIF({role}, '{usualRole}')";
        // A guardian link joins two people: read when both are in scope (the scope holds every link partner of its people).
        var scope = only is null ? "" : table == "guardian_links" ? $" AND {person} = ANY($2) AND {target} = ANY($2)" : $" AND {person} = ANY($2)";
        await using var command = new NpgsqlCommand(
            $"SELECT id, {person}, {target}, {roleColumn}, NULLIF(origin, '{Model.Origins.Synced}'), ended_at IS NOT NULL FROM {table} WHERE district_id = $1{scope}",
            connection)
        {
            CommandTimeout = 0,
            Parameters = { new() { Value = districtId } },
        };
        if (only is not null) command.Parameters.Add(new() { Value = only });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var links = new LinkList();
        while (await reader.ReadAsync(ct))
            links.Add(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.IsDBNull(3) ? usualRole : reader.GetString(3),
                reader.IsDBNull(4) ? Model.Origins.Synced : reader.GetString(4), reader.GetBoolean(5), created: false);
        return links;
    }

    private static async Task<List<T>> ReadAsync<T>(
        NpgsqlConnection connection, Guid districtId, string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct, Guid[]? only = null)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0, Parameters = { new() { Value = districtId } } };
        if (only is not null) command.Parameters.Add(new() { Value = only });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct)) rows.Add(map(reader));
        return rows;
    }

    /// <summary>A text column sent as UTF-8 bytes (convert_to), decoded into reused buffers and returned as the pooled string.</summary>
    internal sealed class PooledText(StringPool pool)
    {
        private byte[] _bytes = new byte[256];
        private char[] _chars = new char[256];

        public string? Read(NpgsqlDataReader r, int i)
        {
            if (r.IsDBNull(i)) return null;
            var length = (int)r.GetBytes(i, 0, null, 0, 0);
            if (length > _bytes.Length) (_bytes, _chars) = (new byte[length], new char[length]);
            r.GetBytes(i, 0, _bytes, 0, length);
            var chars = Encoding.UTF8.GetChars(_bytes, 0, length, _chars, 0);
            return pool.Get(_chars.AsSpan(0, chars)) ?? string.Empty;
        }
    }

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    private static Guid? Id(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetGuid(i);
    private static SourceLinks Links(NpgsqlDataReader r, int first) => new(Str(r, first), Str(r, first + 1), Str(r, first + 2), Str(r, first + 3));
}
