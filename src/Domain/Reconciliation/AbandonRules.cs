using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Reconciliation;

/// <summary>
/// R12–R15: records of this source that were in its previous snapshot and are absent now. Absent means:
/// the kind came as a bulk file and the source id is not in it (skipped and filtered rows are present),
/// or a delta file marked it tobedeleted. Manual records are never abandoned.
/// </summary>
internal static class AbandonRules
{
    public static void FindAbsentPeople(Snapshot incoming, PlanBooks books)
    {
        books.AbsentPeople.AddRange(Absent(incoming, SnapshotKinds.People, books.PresentPeople,
            books.People.Values.Where(p => p.Origin == Origins.Synced && p.Status == RecordStatus.Active
                // A lone students.csv replaces students only; staff it never mentions are not absent.
                && (incoming.BulkPeopleRoles is null || p.Roles.Any(incoming.BulkPeopleRoles.Contains))),
            p => p.Links.Get(books.LinkKind)));
        books.AbsentPeopleIds.UnionWith(books.AbsentPeople.Select(p => p.Id));
    }

    public static void Plan(Snapshot incoming, SyncSettings settings, PlanBooks books)
    {
        var people = books.AbsentPeople.Select(p => books.People[p.Id]).ToList();
        var students = people.Where(p => p.Roles.Contains(Roles.Student)).Select(p => p.Id).ToHashSet();
        var abandoned = people.Select(p => p.Id).ToHashSet();
        var links = books.GuardianLinks;

        foreach (var person in people)
        {
            if (students.Contains(person.Id))
            {
                var guardians = new List<Guid>();
                foreach (var l in links.OfTarget(person.Id))
                    if (!links.Ended(l)) guardians.Add(links.PersonId(l));
                if (guardians.Count > 0 && guardians.All(abandoned.Contains))
                    AbandonFamily(books, person, guardians, settings.FamilyAbandonment);
                else
                    AbandonStudent(books, person, settings.AbandonedStudents);
            }
            else if (person.Roles.All(r => r == Roles.Guardian))
            {
                if (!IsInAbandonedFamily(books, person.Id, students, abandoned)) AbandonGuardian(books, person);
            }
            else
                RemoveFromSchoolsAndClasses(books, person, "R13");
        }
        AbandonClasses(incoming, books);
        AbandonCatalog(incoming, books);
    }

    /// <summary>R14, extended to what classes hang on: an absent course or academic session is archived.</summary>
    private static void AbandonCatalog(Snapshot incoming, PlanBooks books)
    {
        var courses = incoming.Courses.Select(c => c.SourceId).ToHashSet();
        foreach (var c in Absent(incoming, SnapshotKinds.Courses, courses,
            books.Courses.Values.Where(c => c.Status == RecordStatus.Active), c => c.Links.Get(books.LinkKind)))
        {
            books.Put(c with { Status = RecordStatus.Archived });
            books.Plan.Record(new(Entities.Course, c.Id, c.Links.Get(books.LinkKind), ChangeActions.Archived, "status",
                RecordStatus.Active, RecordStatus.Archived, "R14"));
        }
        var sessions = incoming.Sessions.Select(s => s.SourceId).ToHashSet();
        foreach (var s in Absent(incoming, SnapshotKinds.Sessions, sessions,
            books.Sessions.Values.Where(s => s.Status == RecordStatus.Active), s => s.Links.Get(books.LinkKind)))
        {
            books.Put(s with { Status = RecordStatus.Archived });
            books.Plan.Record(new(Entities.AcademicSession, s.Id, s.Links.Get(books.LinkKind), ChangeActions.Archived, "status",
                RecordStatus.Active, RecordStatus.Archived, "R14"));
        }
    }

    /// <summary>R12: a lone student is archived, or removed from its school and classes.</summary>
    public static void AbandonStudent(PlanBooks books, PersonRecord student, string policy)
    {
        if (policy == AbandonedStudentPolicy.Remove) RemoveFromSchoolsAndClasses(books, student, "R12");
        else Archive(books, student, "R12");
    }

    /// <summary>
    /// R15: soft — the student is archived and stays in its classes; its guardians stay linked but lose
    /// school access. Extreme — the whole family leaves the school and its classes; accounts and links remain.
    /// </summary>
    public static void AbandonFamily(PlanBooks books, PersonRecord student, IReadOnlyList<Guid> guardianIds, string policy)
    {
        if (policy == FamilyAbandonmentPolicy.Extreme)
        {
            RemoveFromSchoolsAndClasses(books, student, "R15");
            foreach (var g in guardianIds) RemoveFromSchoolsAndClasses(books, books.People[g], "R15");
            return;
        }
        Archive(books, student, "R15");
        foreach (var g in guardianIds) EndAll(books, books.Memberships, Entities.Membership, g, "R15");
    }

    /// <summary>R11 and R13: a guardian who left on its own loses school access and its synced links.</summary>
    private static void AbandonGuardian(PlanBooks books, PersonRecord guardian)
    {
        EndAll(books, books.Memberships, Entities.Membership, guardian.Id, "R13");
        var links = books.GuardianLinks;
        foreach (var link in links.OfPerson(guardian.Id))
            if (links.IsSynced(link)) books.End(links, Entities.GuardianLink, link, "R11");
    }

    private static bool IsInAbandonedFamily(PlanBooks books, Guid guardianId, HashSet<Guid> students, HashSet<Guid> abandoned)
    {
        var links = books.GuardianLinks;
        foreach (var l in links.OfPerson(guardianId))
        {
            if (links.Ended(l) || !students.Contains(links.TargetId(l))) continue;
            var whole = true;
            foreach (var x in links.OfTarget(links.TargetId(l)))
                if (!links.Ended(x) && !abandoned.Contains(links.PersonId(x))) { whole = false; break; }
            if (whole) return true;
        }
        return false;
    }

    /// <summary>R13 (and R12 remove, R15 extreme): memberships and enrollments end; the person stays.</summary>
    private static void RemoveFromSchoolsAndClasses(PlanBooks books, PersonRecord person, string rule)
    {
        var ended = EndAll(books, books.Memberships, Entities.Membership, person.Id, rule)
            + EndAll(books, books.Enrollments, Entities.Enrollment, person.Id, rule);
        if (ended > 0)
            books.Plan.Record(new(Entities.Person, person.Id, person.Links.Get(books.LinkKind), ChangeActions.Removed, null, null, null, rule));
    }

    private static int EndAll(PlanBooks books, LinkTable table, string entity, Guid personId, string rule)
    {
        var n = 0;
        foreach (var link in table.OfPerson(personId))
            if (table.IsSynced(link) && !table.Ended(link)) { books.End(table, entity, link, rule); n++; }
        return n;
    }

    private static void Archive(PlanBooks books, PersonRecord person, string rule)
    {
        if (person.Status == RecordStatus.Archived) return;
        books.Put(person with { Status = RecordStatus.Archived });
        books.Plan.Record(new(Entities.Person, person.Id, person.Links.Get(books.LinkKind), ChangeActions.Archived, "status",
            person.Status, RecordStatus.Archived, rule));
    }

    /// <summary>R14: an absent class is archived and its synced enrollments end.</summary>
    private static void AbandonClasses(Snapshot incoming, PlanBooks books)
    {
        var absent = Absent(incoming, SnapshotKinds.Classes, books.PresentClasses,
            books.Classes.Values.Where(c => c.Origin == Origins.Synced && c.Status == RecordStatus.Active), c => c.Links.Get(books.LinkKind));
        foreach (var c in absent)
        {
            books.Put(c with { Status = RecordStatus.Archived });
            books.Plan.Record(new(Entities.Class, c.Id, c.Links.Get(books.LinkKind), ChangeActions.Archived, "status",
                RecordStatus.Active, RecordStatus.Archived, "R14"));
            foreach (var e in books.Enrollments.OfTarget(c.Id))
                if (books.Enrollments.IsSynced(e)) books.End(books.Enrollments, Entities.Enrollment, e, "R14");
        }
    }

    private static List<T> Absent<T>(Snapshot incoming, string kind, HashSet<string> present, IEnumerable<T> candidates, Func<T, string?> link)
    {
        var mode = incoming.ModeOf(kind);
        if (mode == FeedMode.Absent) return [];
        var deleted = incoming.Deletions.Where(d => d.Kind == kind).Select(d => d.SourceId).ToHashSet();
        // A row present but skipped with an issue (R26, R27) is not absent.
        var skipped = incoming.Skipped.Where(s => s.Kind == kind).Select(s => s.SourceId).ToHashSet();
        return candidates.Where(c => link(c) is { } id
            && (mode == FeedMode.Bulk ? !present.Contains(id) && !skipped.Contains(id) : deleted.Contains(id))).ToList();
    }
}
