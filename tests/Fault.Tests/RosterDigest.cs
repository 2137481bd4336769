using Npgsql;

namespace RosterSync.Fault.Tests;

/// <summary>
/// A district's roster as a multiset of row fingerprints: every school, person, membership, class, enrollment, guardian link,
/// session and course by its natural keys (source ids, emails) and fields, without generated ids, district ids or timestamps.
/// Two districts imported from the same bundle have equal digests; the difference counts records lost or added.
/// </summary>
public sealed class RosterDigest
{
    private const string Sql = """
        SELECT 'school', md5(row(s.one_roster_id, s.sis_id, s.clever_id, s.class_link_id, s.name, s.identifier, s.status, s.origin)::text)
          FROM schools s WHERE s.district_id = $1
        UNION ALL
        SELECT 'person', md5(row(p.one_roster_id, p.sis_id, p.clever_id, p.class_link_id, p.email, p.normalized_email, p.given_name,
               p.family_name, p.middle_name, p.roles, p.grade, p.graduation_year, p.sms, p.phone, p.language, p.room, p.status, p.origin,
               p.account_state)::text)
          FROM people p WHERE p.district_id = $1
        UNION ALL
        SELECT 'membership', md5(row(p.one_roster_id, p.normalized_email, s.one_roster_id, m.role, m.origin, m.ended_at IS NULL)::text)
          FROM memberships m JOIN people p ON p.id = m.person_id JOIN schools s ON s.id = m.school_id WHERE m.district_id = $1
        UNION ALL
        SELECT 'class', md5(row(c.one_roster_id, c.sis_id, c.clever_id, c.class_link_id, c.name, c.grade, c.subject, c.is_homeroom,
               c.status, c.origin, s.one_roster_id, t.one_roster_id, co.one_roster_id)::text)
          FROM classes c LEFT JOIN schools s ON s.id = c.school_id LEFT JOIN academic_sessions t ON t.id = c.term_id
               LEFT JOIN courses co ON co.id = c.course_id
         WHERE c.district_id = $1
        UNION ALL
        SELECT 'enrollment', md5(row(c.one_roster_id, p.one_roster_id, p.normalized_email, e.role, e.origin, e.ended_at IS NULL)::text)
          FROM enrollments e JOIN classes c ON c.id = e.class_id JOIN people p ON p.id = e.person_id WHERE e.district_id = $1
        UNION ALL
        SELECT 'guardian link', md5(row(g.one_roster_id, g.normalized_email, st.one_roster_id, st.normalized_email, l.relationship,
               l.origin, l.ended_at IS NULL)::text)
          FROM guardian_links l JOIN people g ON g.id = l.guardian_id JOIN people st ON st.id = l.student_id WHERE l.district_id = $1
        UNION ALL
        SELECT 'session', md5(row(a.one_roster_id, a.sis_id, a.title, a.type, a.start_date, a.end_date, a.school_year, a.status)::text)
          FROM academic_sessions a WHERE a.district_id = $1
        UNION ALL
        SELECT 'course', md5(row(co.one_roster_id, co.sis_id, co.title, co.course_code, s.one_roster_id, co.status)::text)
          FROM courses co LEFT JOIN schools s ON s.id = co.school_id WHERE co.district_id = $1
        """;

    private readonly Dictionary<(string Kind, string Row), int> _rows;

    private RosterDigest(Dictionary<(string, string), int> rows) => _rows = rows;

    public int Count => _rows.Values.Sum();

    /// <summary>Rows of each kind, e.g. "person 9400, enrollment 30000".</summary>
    public string Summary => string.Join(", ", _rows.GroupBy(r => r.Key.Kind).OrderBy(g => g.Key, StringComparer.Ordinal)
        .Select(g => $"{g.Key} {g.Sum(r => r.Value)}"));

    public static async Task<RosterDigest> ReadAsync(NpgsqlDataSource db, Guid districtId)
    {
        var rows = new Dictionary<(string, string), int>();
        await using var command = db.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter { Value = districtId });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var key = (reader.GetString(0), reader.GetString(1));
            rows[key] = rows.GetValueOrDefault(key) + 1;
        }
        return new RosterDigest(rows);
    }

    /// <summary>Rows of <paramref name="reference"/> this roster lacks.</summary>
    public int LostAgainst(RosterDigest reference) => Missing(reference, this);

    /// <summary>Rows this roster has beyond <paramref name="reference"/> (duplicates, half-applied leftovers).</summary>
    public int ExtraAgainst(RosterDigest reference) => Missing(this, reference);

    private static int Missing(RosterDigest from, RosterDigest inside) =>
        from._rows.Sum(r => Math.Max(0, r.Value - inside._rows.GetValueOrDefault(r.Key)));
}
