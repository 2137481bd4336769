using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Reconciliation;

/// <summary>Walks incoming people through R6 → R10 → R1–R5 → R7–R9, then their school memberships (R17) and guardian links (R11).</summary>
internal static class PeopleSteps
{
    public static void Plan(Snapshot incoming, SyncSettings settings, ScopeFilter scope, PlanBooks books)
    {
        var plan = books.Plan;
        var firstByEmail = new Dictionary<string, string>();
        var guardianSms = books.People.Values
            .Where(p => p.Roles.Contains(Roles.Guardian) && p.Sms is not null)
            .Select(p => NormalizePhone(p.Sms!)).ToHashSet();

        foreach (var person in incoming.People)
        {
            if (!scope.PersonInScope(person)) continue;

            var email = EmailNormalizer.Normalize(person.Email);
            var guardianOnly = person.Roles.All(r => r == Roles.Guardian);
            if (!EmailNormalizer.IsValid(email))
            {
                email = null;
                if (!guardianOnly)
                {
                    Skip(plan, person, "R6", Severities.Error, string.IsNullOrWhiteSpace(person.Email)
                        ? "Person has no email address; it was skipped."
                        : "Person's email address is not valid; it was skipped.");
                    continue;
                }
            }
            if (email is not null && !firstByEmail.TryAdd(email, person.SourceId))
            {
                Skip(plan, person, "R6", Severities.Error,
                    $"Email is also used by source id {firstByEmail[email]}; the first was used and {person.SourceId} was skipped.");
                continue;
            }

            var byEmail = email is null ? (Guid?)null : books.PersonByEmail.TryGetValue(email, out var e) ? e : null;
            var byLink = books.PersonByLink.TryGetValue(person.SourceId, out var l) ? l : (Guid?)null;
            var match = PeopleRules.Match(byEmail, byLink);

            // R10: a guardian without email needs an SMS number no other guardian uses.
            if (guardianOnly && email is null && match == MatchKind.New)
            {
                var sms = PeopleRules.Clean(person.Sms);
                if (sms is null || !guardianSms.Add(NormalizePhone(sms)))
                {
                    Skip(plan, person, "R10", Severities.Warning, sms is null
                        ? "Guardian has neither an email nor an SMS number; it will be added once it has one."
                        : "Guardian has no email and its SMS number is used by another guardian; it was skipped.");
                    continue;
                }
            }

            Guid id;
            switch (match)
            {
                case MatchKind.Conflict:
                    Skip(plan, person, "R3", Severities.Error,
                        "The email belongs to another person than the one holding this source id; neither was changed.");
                    continue;
                case MatchKind.New:
                    var created = PeopleRules.Create(books.NewId(), person, email, books.LinkKind);
                    books.Put(created);
                    plan.NewPeople.Add(created.Id);
                    plan.Record(new(Entities.Person, created.Id, person.SourceId, ChangeActions.Created, null, null, null, "R4"));
                    id = created.Id;
                    break;
                default:
                    id = (byEmail ?? byLink)!.Value;
                    Update(books, person, email, match, settings, id);
                    break;
            }
            if (email is not null) books.PersonByEmail[email] = id;
            books.PersonByLink[person.SourceId] = id;
            books.PersonIdBySource[person.SourceId] = id;
            PlanMemberships(books, person, id);
        }
        PlanGuardianLinks(incoming, books);
        foreach (var (school, people) in books.UnknownSchools)
            plan.Issues.Add(new(Severities.Warning, null, Entities.Membership, school,
                $"School {school} is named by {people} people but is neither in the source nor mapped; those memberships were not created."));
    }

    private static void Update(PlanBooks books, SourcePerson person, string? email, MatchKind match, SyncSettings settings, Guid id)
    {
        var existing = books.People[id];
        var (updated, changes) = PeopleRules.Update(existing, person, email, match, settings, books.LinkKind);
        if (changes.Count == 0)
        {
            books.Plan.Count(Entities.Person, ChangeActions.Unchanged);
            return;
        }
        // R2: a source id moves with the person; whoever held it before loses it.
        var newLink = updated.Links.Get(books.LinkKind)!;
        if (books.PersonByLink.TryGetValue(newLink, out var holder) && holder != id)
        {
            var previous = books.People[holder];
            books.Put(previous with { Links = previous.Links.With(books.LinkKind, null) });
            books.Plan.Record(new(Entities.Person, holder, newLink, ChangeActions.Updated, $"sourceIds.{books.LinkKind}", newLink, null, "R2"));
        }
        if (existing.Links.Get(books.LinkKind) is { } oldLink && oldLink != newLink)
        {
            books.PersonByLink.Remove(oldLink);
            books.Plan.Issues.Add(new(Severities.Warning, "R2", Entities.Person, person.SourceId,
                $"Source id changed from {oldLink} to {newLink}; the person was matched by email.", person.At.File, person.At.Row));
        }
        if (changes.Any(c => c.Rule == "R3"))
            books.Plan.Issues.Add(new(Severities.Warning, "R3", Entities.Person, person.SourceId,
                "Email changed in the source; the person was matched by source id and its email updated.", person.At.File, person.At.Row));
        books.Put(updated);
        var restored = changes.Any(c => c.Rule == "R16");
        foreach (var c in changes)
        {
            var action = c.Rule == "R16" ? ChangeActions.Restored : ChangeActions.Updated;
            books.Plan.Changes.Add(new(Entities.Person, id, person.SourceId, action, c.Field, c.Before, c.After, c.Rule));
        }
        books.Plan.Count(Entities.Person, restored ? ChangeActions.Restored : ChangeActions.Updated);
    }

    /// <summary>R17: a student belongs to its primary school only; staff to every school listed. Memberships that left are ended (R7 "school").</summary>
    private static void PlanMemberships(PlanBooks books, SourcePerson person, Guid personId)
    {
        var role = person.Roles[0];
        var schoolSources = role == Roles.Student
            ? (person.PrimarySchoolSourceId is { } primary ? [primary] : [])
            : person.SchoolSourceIds;
        // A record that names no school (e.g. a supplementary guardian file) leaves memberships as they are.
        if (schoolSources.Count == 0) return;
        var wanted = schoolSources
            .Select(s => books.SchoolIdBySource.TryGetValue(s, out var id) ? id : (Guid?)null)
            .OfType<Guid>().Distinct().ToHashSet();
        foreach (var schoolId in wanted)
            books.Open(books.Memberships, Entities.Membership, personId, schoolId, role, person.SourceId, "R17");
        foreach (var m in books.Memberships.OfPerson(personId).ToList())
            if (m.Origin == Origins.Synced && !m.Ended && !wanted.Contains(m.TargetId))
                books.End(books.Memberships, Entities.Membership, m, "R7");
        foreach (var unknown in schoolSources.Where(s => !books.SchoolIdBySource.ContainsKey(s)))
            books.UnknownSchools[unknown] = books.UnknownSchools.GetValueOrDefault(unknown) + 1;
    }

    /// <summary>Guardian links from the source are opened; synced links the source no longer sends are ended (R11).</summary>
    private static void PlanGuardianLinks(Snapshot incoming, PlanBooks books)
    {
        var mode = incoming.Modes.ContainsKey(SnapshotKinds.GuardianLinks)
            ? incoming.ModeOf(SnapshotKinds.GuardianLinks) : incoming.ModeOf(SnapshotKinds.People);
        var wanted = new HashSet<(Guid, Guid)>();
        foreach (var link in incoming.GuardianLinks)
        {
            if (Resolve(books, link.GuardianSourceId, null) is not { } guardian
                || Resolve(books, link.StudentSourceId, link.StudentEmail) is not { } student)
            {
                books.Plan.Issues.Add(new(Severities.Warning, "R11", Entities.GuardianLink, link.GuardianSourceId,
                    $"Guardian link to student {link.StudentSourceId} names a person that was not imported; skipped.", link.At.File, link.At.Row));
                continue;
            }
            wanted.Add((guardian, student));
            books.Open(books.GuardianLinks, Entities.GuardianLink, guardian, student, null, link.GuardianSourceId, "R11");
        }
        if (mode != FeedMode.Bulk) return;
        foreach (var link in books.GuardianLinks.All.ToList())
            if (link.Origin == Origins.Synced && !link.Ended && !wanted.Contains((link.PersonId, link.TargetId))
                && !books.AbsentPeopleIds.Contains(link.PersonId) && !books.AbsentPeopleIds.Contains(link.TargetId)
                && FromThisSource(books, link.PersonId) && FromThisSource(books, link.TargetId))
                books.End(books.GuardianLinks, Entities.GuardianLink, link, "R11");
    }

    /// <summary>
    /// A person named by a link: imported in this snapshot, or already holding this source's link, or,
    /// for a supplementary guardian file that names the student by email, matched by email (R1).
    /// </summary>
    private static Guid? Resolve(PlanBooks books, string sourceId, string? email) =>
        books.PersonIdBySource.TryGetValue(sourceId, out var id) ? id
        : books.PersonByLink.TryGetValue(sourceId, out id) ? id
        : EmailNormalizer.Normalize(email) is { } e && books.PersonByEmail.TryGetValue(e, out id) ? id
        : null;

    private static bool FromThisSource(PlanBooks books, Guid personId) =>
        books.People.TryGetValue(personId, out var p) && p.Links.Get(books.LinkKind) is not null;

    private static void Skip(Plan plan, SourcePerson person, string rule, string severity, string message)
    {
        plan.Issues.Add(new(severity, rule, Entities.Person, person.SourceId, message, person.At.File, person.At.Row));
        plan.Count(Entities.Person, ChangeActions.Skipped);
    }

    private static string NormalizePhone(string phone) => new(phone.Where(char.IsDigit).ToArray());
}
