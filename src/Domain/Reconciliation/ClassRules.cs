using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Reconciliation;

/// <summary>Classes (R5 adoption, R7 name and grade, R16 restore) and their enrollments (R7: manual ones stand; R14: absent ones end).</summary>
internal static class ClassRules
{
    public static void Plan(Snapshot incoming, ScopeFilter scope, PlanBooks books)
    {
        var byLink = new Dictionary<string, Guid>();
        var manualBySis = new Dictionary<string, Guid>();
        foreach (var c in books.Classes.Values)
        {
            if (c.Links.Get(books.LinkKind) is { } link) byLink[link] = c.Id;
            else if (c.Origin == Origins.Manual && c.Links.Sis is { } sis) manualBySis.TryAdd(sis, c.Id);
        }

        foreach (var source in incoming.Classes)
        {
            if (!scope.ClassInScope(source)) continue;
            var schoolId = Resolve(books.SchoolIdBySource, source.SchoolSourceId);
            if (byLink.TryGetValue(source.SourceId, out var id) || manualBySis.TryGetValue(source.SourceId, out id))
                Update(books, source, books.Classes[id]);
            else
            {
                var created = new ClassRecord
                {
                    Id = books.NewId(),
                    Name = source.Name,
                    SchoolId = schoolId,
                    Grade = PeopleRules.Clean(source.Grade),
                    Subject = PeopleRules.Clean(source.Subject),
                    CourseId = Resolve(books.CourseIdBySource, source.CourseSourceId),
                    TermId = source.TermSourceIds.Select(t => Resolve(books.SessionIdBySource, t)).FirstOrDefault(t => t is not null),
                    IsHomeroom = source.IsHomeroom,
                    Links = SourceLinks.None.With(books.LinkKind, source.SourceId),
                };
                books.Put(created);
                books.Plan.Record(new(Entities.Class, created.Id, source.SourceId, ChangeActions.Created, null, null, source.Name, "R4"));
                id = created.Id;
            }
            books.ClassIdBySource[source.SourceId] = id;
        }
        foreach (var (link, id) in byLink) books.ClassIdBySource.TryAdd(link, id);
        PlanEnrollments(incoming, books);
    }

    private static void Update(PlanBooks books, SourceClass source, ClassRecord existing)
    {
        var c = existing;
        var changes = new List<FieldChange>();
        if (c.Origin == Origins.Manual)
        {
            // R5: a manual class whose source id the sync now carries is adopted.
            changes.Add(new("origin", c.Origin, Origins.Synced, "R5"));
            c = c with { Origin = Origins.Synced, Links = c.Links.With(books.LinkKind, source.SourceId) };
        }
        if (c.Name != source.Name)
        {
            changes.Add(new("name", c.Name, source.Name, "R7"));
            c = c with { Name = source.Name };
        }
        var grade = PeopleRules.Clean(source.Grade);
        if (c.Grade != grade)
        {
            changes.Add(new("grade", c.Grade, grade, "R7"));
            c = c with { Grade = grade };
        }
        if (c.Status == RecordStatus.Archived)
        {
            changes.Add(new("status", c.Status, RecordStatus.Active, "R16"));
            c = c with { Status = RecordStatus.Active };
        }
        if (changes.Count == 0)
        {
            books.Plan.Count(Entities.Class, ChangeActions.Unchanged);
            return;
        }
        books.Put(c);
        foreach (var change in changes)
            books.Plan.Changes.Add(new(Entities.Class, c.Id, source.SourceId,
                change.Rule == "R16" ? ChangeActions.Restored : ChangeActions.Updated, change.Field, change.Before, change.After, change.Rule));
        books.Plan.Count(Entities.Class, changes.Any(ch => ch.Rule == "R16") ? ChangeActions.Restored : ChangeActions.Updated);
    }

    private static void PlanEnrollments(Snapshot incoming, PlanBooks books)
    {
        var wanted = new HashSet<(Guid, Guid, string?)>();
        foreach (var e in incoming.Enrollments)
        {
            if (!books.ClassIdBySource.TryGetValue(e.ClassSourceId, out var classId)
                || !books.PersonIdBySource.TryGetValue(e.PersonSourceId, out var personId))
            {
                // Out-of-scope classes and skipped people are reported where they were decided, not again here.
                if (!books.PresentClasses.Contains(e.ClassSourceId) || !books.PresentPeople.Contains(e.PersonSourceId))
                    books.Plan.Issues.Add(new(Severities.Warning, null, Entities.Enrollment, e.SourceId,
                        $"Enrollment names class {e.ClassSourceId} and person {e.PersonSourceId}, one of which is not in the source; skipped.",
                        e.At.File, e.At.Row));
                continue;
            }
            if (!wanted.Add((personId, classId, e.Role))) continue;
            books.Open(books.Enrollments, Entities.Enrollment, personId, classId, e.Role, e.SourceId, "R4");
        }
        if (incoming.ModeOf(SnapshotKinds.Enrollments) != FeedMode.Bulk) return;
        // R14: a synced enrollment in a class of this source that the source no longer sends is ended,
        // unless its class or person is present but skipped or filtered (then it stays as it was).
        var keptPeople = PlanBooks.PresentButUnresolved(books.PresentPeople, books.PersonIdBySource, books.PersonByLink);
        var keptClasses = PlanBooks.PresentButUnresolved(books.PresentClasses, books.ClassIdBySource,
            books.Classes.Values.Where(c => c.Links.Get(books.LinkKind) is not null).ToDictionary(c => c.Links.Get(books.LinkKind)!, c => c.Id));
        foreach (var e in books.Enrollments.All.ToList())
            if (e.Origin == Origins.Synced && !e.Ended && !wanted.Contains(e.Key)
                && !keptPeople.Contains(e.PersonId) && !keptClasses.Contains(e.TargetId) && !books.AbsentPeopleIds.Contains(e.PersonId)
                && books.Classes.TryGetValue(e.TargetId, out var c) && c.Links.Get(books.LinkKind) is not null)
                books.End(books.Enrollments, Entities.Enrollment, e, "R14");
    }

    private static Guid? Resolve(Dictionary<string, Guid> ids, string? sourceId) =>
        sourceId is not null && ids.TryGetValue(sourceId, out var id) ? id : null;
}
