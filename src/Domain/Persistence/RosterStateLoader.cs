using Npgsql;
using RosterSync.Domain.Reconciliation;

namespace RosterSync.Domain.Persistence;

/// <summary>Reads a district's current roster into the planner's immutable records, one streaming query per table.</summary>
public static class RosterStateLoader
{
    public static async Task<RosterState> LoadAsync(NpgsqlConnection connection, Guid districtId, CancellationToken ct) => new()
    {
        People = await ReadAsync(connection, districtId, """
            SELECT id, email, normalized_email, given_name, family_name, middle_name, roles, grade, graduation_year, sms, phone,
                   language, room, status, origin, account_state, sis_id, one_roster_id, clever_id, class_link_id
            FROM people WHERE district_id = $1
            """, r => new PersonRecord
        {
            Id = r.GetGuid(0), Email = Str(r, 1), NormalizedEmail = Str(r, 2), GivenName = Str(r, 3), FamilyName = Str(r, 4),
            MiddleName = Str(r, 5), Roles = r.GetFieldValue<string[]>(6), Grade = Str(r, 7),
            GraduationYear = r.IsDBNull(8) ? null : r.GetInt32(8), Sms = Str(r, 9), Phone = Str(r, 10), Language = Str(r, 11),
            Room = Str(r, 12), Status = r.GetString(13), Origin = r.GetString(14), AccountState = r.GetString(15), Links = Links(r, 16),
        }, ct),
        Schools = await ReadAsync(connection, districtId,
            "SELECT id, name, identifier, status, origin, sis_id, one_roster_id, clever_id, class_link_id FROM schools WHERE district_id = $1",
            r => new SchoolRecord
            {
                Id = r.GetGuid(0), Name = r.GetString(1), Identifier = Str(r, 2), Status = r.GetString(3), Origin = r.GetString(4), Links = Links(r, 5),
            }, ct),
        Classes = await ReadAsync(connection, districtId, """
            SELECT id, name, school_id, grade, subject, term_id, course_id, is_homeroom, status, origin, sis_id, one_roster_id, clever_id, class_link_id
            FROM classes WHERE district_id = $1
            """, r => new ClassRecord
        {
            Id = r.GetGuid(0), Name = r.GetString(1), SchoolId = Id(r, 2), Grade = Str(r, 3), Subject = Str(r, 4), TermId = Id(r, 5),
            CourseId = Id(r, 6), IsHomeroom = r.GetBoolean(7), Status = r.GetString(8), Origin = r.GetString(9), Links = Links(r, 10),
        }, ct),
        Sessions = await ReadAsync(connection, districtId, """
            SELECT id, title, type, start_date, end_date, school_year, status, sis_id, one_roster_id, clever_id, class_link_id
            FROM academic_sessions WHERE district_id = $1
            """, r => new SessionRecord
        {
            Id = r.GetGuid(0), Title = r.GetString(1), Type = Str(r, 2),
            StartDate = r.IsDBNull(3) ? null : r.GetFieldValue<DateOnly>(3), EndDate = r.IsDBNull(4) ? null : r.GetFieldValue<DateOnly>(4),
            SchoolYear = Str(r, 5), Status = r.GetString(6), Links = Links(r, 7),
        }, ct),
        Courses = await ReadAsync(connection, districtId, """
            SELECT id, title, course_code, school_id, status, sis_id, one_roster_id, clever_id, class_link_id
            FROM courses WHERE district_id = $1
            """, r => new CourseRecord
        {
            Id = r.GetGuid(0), Title = r.GetString(1), CourseCode = Str(r, 2), SchoolId = Id(r, 3), Status = r.GetString(4), Links = Links(r, 5),
        }, ct),
        Memberships = await ReadLinksAsync(connection, districtId, "memberships", "person_id", "school_id", "role", ct),
        Enrollments = await ReadLinksAsync(connection, districtId, "enrollments", "person_id", "class_id", "role", ct),
        GuardianLinks = await ReadLinksAsync(connection, districtId, "guardian_links", "guardian_id", "student_id", "relationship", ct),
    };

    private static Task<List<LinkRecord>> ReadLinksAsync(
        NpgsqlConnection connection, Guid districtId, string table, string person, string target, string role, CancellationToken ct) =>
        ReadAsync(connection, districtId, $"SELECT id, {person}, {target}, {role}, origin, ended_at IS NOT NULL FROM {table} WHERE district_id = $1",
            r => new LinkRecord
            {
                Id = r.GetGuid(0), PersonId = r.GetGuid(1), TargetId = r.GetGuid(2), Role = Str(r, 3), Origin = r.GetString(4), Ended = r.GetBoolean(5),
            }, ct);

    private static async Task<List<T>> ReadAsync<T>(
        NpgsqlConnection connection, Guid districtId, string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = districtId } } };
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct)) rows.Add(map(reader));
        return rows;
    }

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    private static Guid? Id(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetGuid(i);
    private static SourceLinks Links(NpgsqlDataReader r, int first) => new(Str(r, first), Str(r, first + 1), Str(r, first + 2), Str(r, first + 3));
}
