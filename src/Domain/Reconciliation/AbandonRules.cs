using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Reconciliation;

/// <summary>
/// R12–R15: records of this source that were in its previous snapshot and are absent now. Absent means:
/// the kind came as a bulk file and the source id is not in it (skipped and filtered rows are present),
/// or a delta file marked it tobedeleted; a person matched in this run is never absent (R2, R3). Manual records are never
/// abandoned. Every absent record is changed or kept under the rule that kept it (<see cref="Plan.Kept"/>, R14).
/// </summary>
internal static class AbandonRules
{
    /// <summary>
    /// Runs after matching: a person matched in this run (R1–R3) is present whatever source id it had (R2), and so is
    /// one named by a conflict that changes neither (R3).
    /// </summary>
    public static void FindAbsentPeople(Snapshot incoming, PlanBooks books)
    {
        // A lone students.csv replaces students only; staff it never mentions are not absent.
        bool Speaks(PersonRecord p) => p.Origin == Origins.Synced && !books.SeenPeople.Contains(p.Id)
            && (incoming.BulkPeopleRoles is null || p.Roles.Any(incoming.BulkPeopleRoles.Contains));
        // Gone: absent now, whether active (abandoned by this run) or archived by an earlier one (its links are still decided).
        var gone = Absent(incoming, SnapshotKinds.People, books.PresentPeople, books.People.Values.Where(Speaks), p => p.Links.Get(books.LinkKind));
        books.AbsentPeople.AddRange(gone.Where(p => p.Status == RecordStatus.Active));
        books.AbsentPeopleIds.UnionWith(books.AbsentPeople.Select(p => p.Id));
        books.GonePeople.UnionWith(gone.Select(p => p.Id));
    }

    public static void Plan(Snapshot incoming, SyncSettings settings, PlanBooks books)
    {
        // Classes first: an absent class's enrollments end under R14 whoever is enrolled.
        AbandonClasses(incoming, books);
        var families = Families(books);
        var familyGuardians = families.Values.SelectMany(g => g).ToHashSet();
        foreach (var id in books.GonePeople)
        {
            var person = books.People[id];
            var absentNow = books.AbsentPeopleIds.Contains(id);
            if (families.TryGetValue(id, out var guardians))
                AbandonFamilyStudent(books, person, absentNow, settings.FamilyAbandonment);
            else if (familyGuardians.Contains(id))
                AbandonFamilyGuardian(books, person, absentNow, settings.FamilyAbandonment, families);
            else if (person.Roles.Contains(Roles.Student))
                AbandonStudent(books, person, absentNow, settings.AbandonedStudents);
            else
                Leave(books, person, absentNow, "R13");
        }
        AbandonCatalog(incoming, books);
    }

    /// <summary>
    /// R15: the gone students with at least one guardian, all of whose guardians are gone too, with those guardians.
    /// A student without guardians, or with one still in the source, is a lone student (R12).
    /// </summary>
    private static Dictionary<Guid, List<Guid>> Families(PlanBooks books)
    {
        var links = books.GuardianLinks;
        var families = new Dictionary<Guid, List<Guid>>();
        foreach (var id in books.GonePeople)
        {
            if (!books.People[id].Roles.Contains(Roles.Student)) continue;
            var guardians = new List<Guid>();
            foreach (var l in links.OfTarget(id))
                if (!links.Ended(l)) guardians.Add(links.PersonId(l));
            if (guardians.Count > 0 && guardians.All(books.GonePeople.Contains)) families[id] = guardians;
        }
        return families;
    }

    /// <summary>
    /// R12 and R14: a lone student is archived and its enrollments end (R14), its school membership kept (R12); or, by
    /// setting, removed from its school and classes. Its guardian links are no longer in the source and end (R11).
    /// </summary>
    private static void AbandonStudent(PlanBooks books, PersonRecord student, bool absentNow, string policy)
    {
        bool changed;
        if (policy == AbandonedStudentPolicy.Remove) changed = RemoveFromSchoolsAndClasses(books, student, "R12");
        else
        {
            changed = Archive(books, student, "R12");
            EndAll(books, books.Enrollments, Entities.Enrollment, student.Id, "R14");
            KeepAll(books, books.Memberships, Entities.Membership, student.Id, "R12");
        }
        EndGuardianLinks(books, student.Id);
        if (!changed && absentNow) books.Keep(student, "R12");
    }

    /// <summary>
    /// R15 for the student: soft — archived, it stays in its school and classes and keeps its guardians' links; extreme —
    /// the family is removed from the school and all its classes, accounts and links to the student remain.
    /// </summary>
    private static void AbandonFamilyStudent(PlanBooks books, PersonRecord student, bool absentNow, string policy)
    {
        bool changed;
        if (policy == FamilyAbandonmentPolicy.Extreme) changed = RemoveFromSchoolsAndClasses(books, student, "R15");
        else
        {
            changed = Archive(books, student, "R15");
            KeepAll(books, books.Enrollments, Entities.Enrollment, student.Id, "R15");
            KeepAll(books, books.Memberships, Entities.Membership, student.Id, "R15");
        }
        KeepAll(books, books.GuardianLinks, Entities.GuardianLink, student.Id, "R15");
        if (!changed && absentNow) books.Keep(student, "R15");
    }

    /// <summary>
    /// R15 for a guardian of an abandoned family: soft — loses school access; extreme — leaves school and classes. Its links to
    /// the family remain; a link to a student still in the source is no longer sent and ends (R11).
    /// </summary>
    private static void AbandonFamilyGuardian(PlanBooks books, PersonRecord guardian, bool absentNow, string policy, Dictionary<Guid, List<Guid>> families)
    {
        var changed = policy == FamilyAbandonmentPolicy.Extreme
            ? RemoveFromSchoolsAndClasses(books, guardian, "R15")
            : RemoveFromSchools(books, guardian, "R15");
        var links = books.GuardianLinks;
        foreach (var link in links.OfPerson(guardian.Id))
            if (links.IsSynced(link) && !links.Ended(link) && !families.ContainsKey(links.TargetId(link)))
                books.End(links, Entities.GuardianLink, link, "R11");
        if (!changed && absentNow) books.Keep(guardian, "R15");
    }

    /// <summary>R13 (staff, and a guardian who left on its own): leaves its schools and classes, stays active; its guardian links end (R11).</summary>
    private static void Leave(PlanBooks books, PersonRecord person, bool absentNow, string rule)
    {
        var changed = RemoveFromSchoolsAndClasses(books, person, rule);
        EndGuardianLinks(books, person.Id);
        if (!changed && absentNow) books.Keep(person, rule);
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

    /// <summary>R13 (and R12 remove, R15 extreme): memberships and enrollments end; the person stays. True when anything ended.</summary>
    private static bool RemoveFromSchoolsAndClasses(PlanBooks books, PersonRecord person, string rule)
    {
        var ended = EndAll(books, books.Memberships, Entities.Membership, person.Id, rule)
            + EndAll(books, books.Enrollments, Entities.Enrollment, person.Id, rule);
        if (ended > 0)
            books.Plan.Record(new(Entities.Person, person.Id, person.Links.Get(books.LinkKind), ChangeActions.Removed, null, null, null, rule));
        return ended > 0;
    }

    /// <summary>R15 soft for a guardian: its school memberships end (it loses school access); the person is recorded as removed.</summary>
    private static bool RemoveFromSchools(PlanBooks books, PersonRecord person, string rule)
    {
        if (EndAll(books, books.Memberships, Entities.Membership, person.Id, rule) == 0) return false;
        books.Plan.Record(new(Entities.Person, person.Id, person.Links.Get(books.LinkKind), ChangeActions.Removed, null, null, null, rule));
        return true;
    }

    /// <summary>R11: the synced guardian links of a person who left, as guardian or as student, are no longer in the source.</summary>
    private static void EndGuardianLinks(PlanBooks books, Guid personId)
    {
        var links = books.GuardianLinks;
        EndAll(books, links, Entities.GuardianLink, personId, "R11");
        foreach (var link in links.OfTarget(personId))
            if (links.IsSynced(link) && !links.Ended(link)) books.End(links, Entities.GuardianLink, link, "R11");
    }

    private static int EndAll(PlanBooks books, LinkTable table, string entity, Guid personId, string rule)
    {
        var n = 0;
        foreach (var link in table.OfPerson(personId))
            if (table.IsSynced(link) && !table.Ended(link)) { books.End(table, entity, link, rule); n++; }
        return n;
    }

    /// <summary>Keeps a person's open synced links (guardian links: the student's) as they are, under <paramref name="rule"/>.</summary>
    private static void KeepAll(PlanBooks books, LinkTable table, string entity, Guid personId, string rule)
    {
        foreach (var link in entity == Entities.GuardianLink ? table.OfTarget(personId) : table.OfPerson(personId))
            if (table.IsSynced(link) && !table.Ended(link)) books.Keep(table, entity, link, rule);
    }

    private static bool Archive(PlanBooks books, PersonRecord person, string rule)
    {
        if (person.Status == RecordStatus.Archived) return false;
        books.Put(person with { Status = RecordStatus.Archived });
        books.Plan.Record(new(Entities.Person, person.Id, person.Links.Get(books.LinkKind), ChangeActions.Archived, "status",
            person.Status, RecordStatus.Archived, rule));
        return true;
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
