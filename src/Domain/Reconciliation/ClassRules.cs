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
            if (schoolId is null)
            {
                // R27: no class without a school. It stays as it was (present, so nothing abandons it or its enrollments).
                books.Plan.Issues.Add(new(Severities.Error, "R27", Entities.Class, source.SourceId, source.SchoolSourceId is null
                        ? "Class names no school; it was skipped."
                        : $"Class names school {source.SchoolSourceId}, which is neither in the source nor mapped (schoolMappings); it was skipped.",
                    source.At.File, source.At.Row));
                books.Plan.Count(Entities.Class, ChangeActions.Skipped);
                continue;
            }
            WarnUnknown(books, source, "course", source.CourseSourceId, books.CourseIdBySource);
            foreach (var term in source.TermSourceIds) WarnUnknown(books, source, "term", term, books.SessionIdBySource);
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
                books.PutNew(created);
                books.Plan.Record(new(Entities.Class, created.Id, source.SourceId, ChangeActions.Created, null, null, source.Name, "R4"));
                id = created.Id;
            }
            books.ClassIdBySource[source.SourceId] = id;
        }
        // Classes the snapshot did not send resolve by link when the feed is a delta (they did not change), never when this run
        // abandons them: an enrollment opened in a class that is then archived would be opened again by every run (R23).
        var bulk = incoming.ModeOf(SnapshotKinds.Classes) == FeedMode.Bulk;
        HashSet<string> deleted = bulk ? [] : incoming.Deletions.Where(d => d.Kind == SnapshotKinds.Classes).Select(d => d.SourceId).ToHashSet();
        foreach (var (link, id) in byLink)
            if (bulk ? books.PresentClasses.Contains(link) : !deleted.Contains(link)) books.ClassIdBySource.TryAdd(link, id);
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
        // Counted once per action the change list names for the class (SPEC §5: counts match the changes).
        if (changes.Any(ch => ch.Rule == "R16")) books.Plan.Count(Entities.Class, ChangeActions.Restored);
        if (changes.Any(ch => ch.Rule != "R16")) books.Plan.Count(Entities.Class, ChangeActions.Updated);
    }

    private static void PlanEnrollments(Snapshot incoming, PlanBooks books)
    {
        // "Wanted" (the source sends it) is a mark on the enrollment's row: no set of keys for millions of rows.
        var table = books.Enrollments;
        var enrollments = incoming.Enrollments;
        for (var i = 0; i < enrollments.Count; i++)
        {
            var (classSourceId, personSourceId, role) = enrollments.Keys(i);
            if (!books.ClassIdBySource.TryGetValue(classSourceId, out var classId) || Person(incoming, books, personSourceId) is not { } personId)
            {
                // Out-of-scope classes and skipped people are reported where they were decided, not again here.
                if (!books.PresentClasses.Contains(classSourceId) || !books.PresentPeople.Contains(personSourceId))
                {
                    var at = enrollments.At(i);
                    books.Plan.Issues.Add(new(Severities.Warning, "R27", Entities.Enrollment, enrollments.SourceId(i),
                        $"Enrollment names class {classSourceId} and person {personSourceId}, one of which is not in the source; skipped.",
                        at.File, at.Row));
                }
                continue;
            }
            var row = table.Find(personId, classId, role);
            if (row >= 0 && table.IsMarked(row)) continue;
            // An open enrollment needs no source id: only a created or restored one records it.
            row = row >= 0 && !table.Ended(row)
                ? books.Open(table, Entities.Enrollment, personId, classId, role, null, "R4")
                : books.Open(table, Entities.Enrollment, personId, classId, role, enrollments.SourceId(i), "R4");
            table.Mark(row);
        }
        if (incoming.ModeOf(SnapshotKinds.Enrollments) != FeedMode.Bulk) return;
        // R14: a synced enrollment in a class of this source that the source no longer sends is ended. Its class or person
        // present but skipped or filtered keeps it as it was, under that rule; a person the snapshot abandons (or an earlier
        // one archived) is left to the abandonment rules, which end it too unless R15 soft keeps the student in its classes.
        // A skipped enrollment row (a role we do not sync, a bad value) is present, not absent: its enrollment is kept under R22.
        var skippedPairs = new HashSet<(Guid, Guid)>();
        foreach (var skip in incoming.Skipped)
            if (skip.Enrollment is var (cls, person)
                && (books.PersonIdBySource.TryGetValue(person, out var p) || books.PersonByLink.TryGetValue(person, out p))
                && books.ClassIdBySource.TryGetValue(cls, out var skippedClass)) skippedPairs.Add((p, skippedClass));
        var keptPeople = PlanBooks.KeptUnresolved(books.UnresolvedPeople, books.PersonIdBySource, books.PersonByLink);
        var keptClasses = PlanBooks.KeptUnresolved(books.UnresolvedClasses, books.ClassIdBySource,
            books.Classes.Values.Where(c => c.Links.Get(books.LinkKind) is not null).ToDictionary(c => c.Links.Get(books.LinkKind)!, c => c.Id));
        for (var row = 0; row < table.Count; row++)
        {
            if (!table.IsSynced(row) || table.Ended(row) || table.IsMarked(row) || books.GonePeople.Contains(table.PersonId(row))
                || !books.Classes.TryGetValue(table.TargetId(row), out var c) || c.Links.Get(books.LinkKind) is null)
                continue;
            if (keptPeople.TryGetValue(table.PersonId(row), out var rule) || keptClasses.TryGetValue(table.TargetId(row), out rule))
                books.Keep(table, Entities.Enrollment, row, rule);
            else if (skippedPairs.Contains((table.PersonId(row), table.TargetId(row))))
                books.Keep(table, Entities.Enrollment, row, "R22");
            else
                books.End(table, Entities.Enrollment, row, "R14");
        }
    }

    /// <summary>
    /// The person an enrollment names: one this snapshot resolved, or, when people came as a delta, one it did not send
    /// because it did not change (not one it deleted).
    /// </summary>
    private static Guid? Person(Snapshot incoming, PlanBooks books, string sourceId) =>
        books.PersonIdBySource.TryGetValue(sourceId, out var id) ? id
        : incoming.ModeOf(SnapshotKinds.People) != FeedMode.Bulk && !books.PresentPeople.Contains(sourceId)
            && books.PersonByLink.TryGetValue(sourceId, out id) && !books.GonePeople.Contains(id) ? id
        : null;

    /// <summary>R27: a class may name a course or term the source does not have; the class is kept without it.</summary>
    private static void WarnUnknown(PlanBooks books, SourceClass source, string what, string? sourceId, Dictionary<string, Guid> known)
    {
        if (sourceId is null || known.ContainsKey(sourceId)) return;
        books.Plan.Issues.Add(new(Severities.Warning, "R27", Entities.Class, source.SourceId,
            $"Class names {what} {sourceId}, which is not in the source; the class is kept without it.", source.At.File, source.At.Row));
    }

    private static Guid? Resolve(Dictionary<string, Guid> ids, string? sourceId) =>
        sourceId is not null && ids.TryGetValue(sourceId, out var id) ? id : null;
}
