using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Worker.Sources;

/// <summary>
/// Adds a guardian file's guardians and links to the primary source's snapshot (SPEC §3: guardians beside any
/// primary source). The file names students by SIS id or email; they are resolved to the primary source's students.
/// A file guardian whose email is a guardian of the primary source is that guardian; the others join the snapshot
/// under the source id "guardian-feed:&lt;their key&gt;", so they never collide with the primary source's ids.
/// </summary>
public static class GuardianFeedMerge
{
    public const string IdPrefix = "guardian-feed:";

    public static void Into(Snapshot primary, Snapshot feed)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(feed);
        var students = new Dictionary<string, string>(StringComparer.Ordinal);
        var studentsByEmail = new Dictionary<string, string>(StringComparer.Ordinal);
        var guardiansByEmail = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var person in primary.People)
        {
            var email = EmailNormalizer.Normalize(person.Email);
            if (person.Roles.Contains(Roles.Student))
            {
                students.TryAdd(person.SourceId, person.SourceId);
                if (person.SisId is { } sis) students.TryAdd(sis, person.SourceId);
                if (email is not null) studentsByEmail.TryAdd(email, person.SourceId);
            }
            else if (person.Roles.Contains(Roles.Guardian) && email is not null)
            {
                guardiansByEmail.TryAdd(email, person.SourceId);
            }
        }

        // R27: a row naming no student of the primary source is skipped, and a guardian none of whose rows names one is
        // not added at all (no guardian without a student).
        var resolved = new List<(SourceGuardianLink Link, string Student)>();
        foreach (var link in feed.GuardianLinks)
        {
            var student = link.StudentEmail is { } studentEmail
                ? studentsByEmail.GetValueOrDefault(EmailNormalizer.Normalize(studentEmail) ?? "")
                : students.GetValueOrDefault(link.StudentSourceId);
            if (student is null)
            {
                primary.Issues.Add(new SourceIssue(Severities.Warning, ReaderIssues.References, Entities.GuardianLink, link.GuardianSourceId, link.At,
                    $"The guardian file names student '{link.StudentSourceId}', who is not in the source; the row is skipped"));
            }
            else
            {
                resolved.Add((link, student));
            }
        }

        var withStudent = resolved.Select(r => r.Link.GuardianSourceId).ToHashSet(StringComparer.Ordinal);
        var guardianIds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var guardian in feed.People)
        {
            if (!withStudent.Contains(guardian.SourceId))
            {
                primary.Issues.Add(new SourceIssue(Severities.Warning, ReaderIssues.References, Entities.Person, guardian.SourceId, guardian.At,
                    "No row of this guardian names a student who is in the source; the guardian is skipped"));
                continue;
            }

            if (EmailNormalizer.Normalize(guardian.Email) is { } email && guardiansByEmail.TryGetValue(email, out var known))
            {
                guardianIds[guardian.SourceId] = known;
                continue;
            }

            guardianIds[guardian.SourceId] = IdPrefix + guardian.SourceId;
            primary.People.Add(guardian with { SourceId = IdPrefix + guardian.SourceId });
        }

        var links = primary.GuardianLinks.Select(l => (l.GuardianSourceId, l.StudentSourceId)).ToHashSet();
        foreach (var (link, student) in resolved)
        {
            if (guardianIds.TryGetValue(link.GuardianSourceId, out var guardian) && links.Add((guardian, student)))
            {
                primary.GuardianLinks.Add(new SourceGuardianLink(guardian, student, link.Relationship, link.At));
            }
        }

        primary.Issues.AddRange(feed.Issues);
    }
}
