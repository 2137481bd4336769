using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Reconciliation;

/// <summary>
/// Walks incoming people through R6 → R10 → R1–R5 → R7–R9 and their school memberships (R17); then, once absence is known,
/// guardian links (R11).
/// </summary>
internal static class PeopleSteps
{
    public static void Plan(Snapshot incoming, SyncSettings settings, ScopeFilter scope, PlanBooks books)
    {
        var plan = books.Plan;
        var firstByEmail = new Dictionary<string, string>(incoming.People.Count);
        // The SMS numbers the district's guardians use (R10), gathered from the current state the first time a
        // guardian without email needs them (most runs have none), then grown by the guardians this run adds.
        HashSet<string>? guardianSms = null;
        HashSet<string> GuardianSms()
        {
            if (guardianSms is not null) return guardianSms;
            guardianSms = [];
            foreach (var p in books.Current.People)
                if (p.Sms is not null && Has(p.Roles, Roles.Guardian)) guardianSms.Add(NormalizePhone(p.Sms));
            return guardianSms;
        }

        var withStudent = GuardiansWithStudent(incoming, books);
        var claimedByEmail = EmailClaims(incoming, scope, books);
        // An R3 conflict is judged again after the other rows: one of them may move the email or the source id away (R3, R2),
        // and the same snapshot must then give the same result on its first run as on its second (R23).
        var conflicts = new List<SourcePerson>();
        foreach (var person in incoming.People) PlanPerson(person, deferConflict: true);
        foreach (var person in conflicts) PlanPerson(person, deferConflict: false);

        void PlanPerson(SourcePerson person, bool deferConflict)
        {
            if (!scope.PersonInScope(person)) return;
            if (withStudent is not null && !withStudent.Contains(person.SourceId))
            {
                Skip(books, person, "R27", Severities.Warning, "Guardian names no student who exists; it was skipped (no guardian without a student).");
                return;
            }

            var email = EmailNormalizer.Normalize(person.Email);
            var guardianOnly = OnlyGuardian(person.Roles);
            if (!EmailNormalizer.IsValid(email))
            {
                email = null;
                if (!guardianOnly)
                {
                    Skip(books, person, "R6", Severities.Error, string.IsNullOrWhiteSpace(person.Email)
                        ? "Person has no email address; it was skipped."
                        : "Person's email address is not valid; it was skipped.");
                    return;
                }
            }
            if (email is not null && !firstByEmail.TryAdd(email, person.SourceId) && firstByEmail[email] != person.SourceId)
            {
                Skip(books, person, "R6", Severities.Error,
                    $"Email is also used by source id {firstByEmail[email]}; the first was used and {person.SourceId} was skipped.");
                return;
            }

            var byEmail = email is null ? (Guid?)null : books.PersonByEmail.TryGetValue(email, out var e) ? e : null;
            var byLink = books.PersonByLink.TryGetValue(person.SourceId, out var l) ? l : (Guid?)null;
            // R1 before R3: a person another row of this snapshot matches by email is that row's, and its old source id
            // moves with it (R2); matching it here too would give one person two rows, decided by their order in the file.
            if (byLink is { } holder && claimedByEmail.TryGetValue(holder, out var claimant) && claimant != person.SourceId) byLink = null;
            var match = PeopleRules.Match(byEmail, byLink);

            // R10: a guardian without email needs an SMS number no other guardian uses.
            if (guardianOnly && email is null && match == MatchKind.New)
            {
                var sms = PeopleRules.Clean(person.Sms);
                if (sms is null || !GuardianSms().Add(NormalizePhone(sms)))
                {
                    Skip(books, person, "R10", Severities.Warning, sms is null
                        ? "Guardian has neither an email nor an SMS number; it will be added once it has one."
                        : "Guardian has no email and its SMS number is used by another guardian; it was skipped.");
                    return;
                }
            }

            Guid id;
            switch (match)
            {
                case MatchKind.Conflict when deferConflict:
                    conflicts.Add(person);
                    return;
                case MatchKind.Conflict:
                    // Neither record changes, and neither is absent: the row speaks for both.
                    books.SeenPeople.Add(byEmail!.Value);
                    books.SeenPeople.Add(byLink!.Value);
                    Skip(books, person, "R3", Severities.Error,
                        "The email belongs to another person than the one holding this source id; neither was changed.");
                    return;
                case MatchKind.New:
                    var created = PeopleRules.Create(books.NewId(), person, email, books.LinkKind);
                    TakeLink(books, person.SourceId, created.Id);
                    books.PutNew(created);
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
            books.SeenPeople.Add(id);
            PlanMemberships(books, person, id);
        }
        foreach (var (school, people) in books.UnknownSchools)
            plan.Issues.Add(new(Severities.Warning, "R27", Entities.Membership, school,
                $"School {school} is named by {people} people but is neither in the source nor mapped; those memberships were not created."));
    }

    /// <summary>
    /// Existing people by the source id of the first valid row whose email matches them (R1), before any row is planned. A row
    /// whose own source id belongs to yet another person (an R3 conflict, unless that person is claimed in turn) claims nobody.
    /// </summary>
    private static Dictionary<Guid, string> EmailClaims(Snapshot incoming, ScopeFilter scope, PlanBooks books)
    {
        var claims = new Dictionary<Guid, string>();
        foreach (var person in incoming.People)
            if (scope.PersonInScope(person) && EmailNormalizer.Normalize(person.Email) is { } email && EmailNormalizer.IsValid(email)
                && books.PersonByEmail.TryGetValue(email, out var id))
                claims.TryAdd(id, person.SourceId);
        var valid = new Dictionary<Guid, string>(claims.Count);
        foreach (var (id, sourceId) in claims)
            if (!books.PersonByLink.TryGetValue(sourceId, out var holder) || holder == id
                || claims.TryGetValue(holder, out var other) && other != sourceId)
                valid[id] = sourceId;
        return valid;
    }

    /// <summary>R2: a source id moves with the person that now carries it; whoever held it before loses it (one holder per district).</summary>
    private static void TakeLink(PlanBooks books, string link, Guid id)
    {
        if (books.PersonByLink.TryGetValue(link, out var holder) && holder != id)
        {
            var previous = books.People[holder];
            if (previous.Links.Get(books.LinkKind) == link)
            {
                books.Put(previous with { Links = previous.Links.With(books.LinkKind, null) });
                books.Plan.Changes.Add(new(Entities.Person, holder, link, ChangeActions.Updated, $"sourceIds.{books.LinkKind}", link, null, "R2"));
                if (books.UpdatedPeople.Add(holder)) books.Plan.Count(Entities.Person, ChangeActions.Updated);
            }
        }
        books.PersonByLink[link] = id;
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
        var newLink = updated.Links.Get(books.LinkKind)!;
        TakeLink(books, newLink, id);
        if (existing.Links.Get(books.LinkKind) is { } oldLink && oldLink != newLink)
        {
            if (books.PersonByLink.TryGetValue(oldLink, out var linkHolder) && linkHolder == id) books.PersonByLink.Remove(oldLink);
            books.Plan.Issues.Add(new(Severities.Warning, "R2", Entities.Person, person.SourceId,
                $"Source id changed from {oldLink} to {newLink}; the person was matched by email.", person.At.File, person.At.Row));
        }
        // R3: the old email is free once the person has a new one; left in the index, a later row would match this person again.
        if (existing.NormalizedEmail is { } oldEmail && oldEmail != updated.NormalizedEmail
            && books.PersonByEmail.TryGetValue(oldEmail, out var emailHolder) && emailHolder == id)
            books.PersonByEmail.Remove(oldEmail);
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
        // Counted once per action the change list names for the person (SPEC §5: counts match the changes).
        if (restored) books.Plan.Count(Entities.Person, ChangeActions.Restored);
        if (changes.Any(c => c.Rule != "R16") && books.UpdatedPeople.Add(id)) books.Plan.Count(Entities.Person, ChangeActions.Updated);
    }

    /// <summary>R17: a student belongs to its primary school only; staff to every school listed. Memberships that left are ended (R7 "school").</summary>
    private static void PlanMemberships(PlanBooks books, SourcePerson person, Guid personId)
    {
        var role = person.Roles[0];
        var schoolSources = WantedSchools(person);
        // A record that names no school (e.g. a supplementary guardian file) leaves memberships as they are.
        if (schoolSources.Count == 0) return;
        // The district schools wanted, in order, without repeats (on the stack: people name one or two schools).
        Span<Guid> wanted = schoolSources.Count <= 16 ? stackalloc Guid[schoolSources.Count] : new Guid[schoolSources.Count];
        var count = 0;
        for (var i = 0; i < schoolSources.Count; i++)
            if (books.SchoolIdBySource.TryGetValue(schoolSources[i], out var id) && !wanted[..count].Contains(id)) wanted[count++] = id;
        wanted = wanted[..count];
        foreach (var schoolId in wanted)
            books.Open(books.Memberships, Entities.Membership, personId, schoolId, role, person.SourceId, "R17");
        foreach (var m in books.Memberships.OfPerson(personId))
            if (books.Memberships.IsSynced(m) && !books.Memberships.Ended(m) && !wanted.Contains(books.Memberships.TargetId(m)))
                books.End(books.Memberships, Entities.Membership, m, "R7");
        for (var i = 0; i < schoolSources.Count; i++)
            if (!books.SchoolIdBySource.ContainsKey(schoolSources[i]))
                books.UnknownSchools[schoolSources[i]] = books.UnknownSchools.GetValueOrDefault(schoolSources[i]) + 1;
    }

    /// <summary>R17: the source schools a person belongs to: a student's primary school only; staff's and guardians' every one listed.</summary>
    internal static IReadOnlyList<string> WantedSchools(SourcePerson person) =>
        person.Roles[0] != Roles.Student ? person.SchoolSourceIds
        : person.PrimarySchoolSourceId is not { } primary ? []
        // A student's only school is usually the one it lists: no new one-element list then.
        : person.SchoolSourceIds is [var only] && only == primary ? person.SchoolSourceIds : [primary];

    /// <summary>
    /// Guardian links from the source are opened, one per guardian and student whatever the relationship, which the
    /// source keeps up to date; synced links the source no longer sends are ended (R11), except those of gone people, which
    /// the abandonment rules decide (R15 soft keeps a family's).
    /// </summary>
    public static void PlanGuardianLinks(Snapshot incoming, PlanBooks books)
    {
        var mode = incoming.Modes.ContainsKey(SnapshotKinds.GuardianLinks)
            ? incoming.ModeOf(SnapshotKinds.GuardianLinks) : incoming.ModeOf(SnapshotKinds.People);
        var links = books.GuardianLinks;
        var wanted = new HashSet<(Guid, Guid)>();
        foreach (var link in incoming.GuardianLinks)
        {
            var student = Resolve(books, link.StudentSourceId, link.StudentEmail);
            if (student is null && !books.PresentPeople.Contains(link.StudentSourceId))
            {
                // R27: the row names a student who is neither in the source nor in the district.
                books.Plan.Issues.Add(new(Severities.Warning, "R27", Entities.GuardianLink, link.GuardianSourceId,
                    $"Guardian link names student {link.StudentSourceId}, who does not exist; skipped.", link.At.File, link.At.Row));
                continue;
            }
            if (Resolve(books, link.GuardianSourceId, null) is not { } guardian || student is null)
            {
                books.Plan.Issues.Add(new(Severities.Warning, "R11", Entities.GuardianLink, link.GuardianSourceId,
                    $"Guardian link to student {link.StudentSourceId} names a person that was not imported; skipped.", link.At.File, link.At.Row));
                continue;
            }
            if (!wanted.Add((guardian, student.Value))) continue;
            OpenGuardianLink(books, guardian, student.Value, link);
        }
        if (mode != FeedMode.Bulk) return;
        for (var row = 0; row < links.Count; row++)
            if (links.IsSynced(row) && !links.Ended(row) && !wanted.Contains((links.PersonId(row), links.TargetId(row)))
                && !books.GonePeople.Contains(links.PersonId(row)) && !books.GonePeople.Contains(links.TargetId(row))
                && FromThisSource(books, links.PersonId(row)) && FromThisSource(books, links.TargetId(row)))
                books.End(links, Entities.GuardianLink, row, "R11");
    }

    /// <summary>R27, for a guardian file: the guardians with at least one link to a student who exists; null otherwise.</summary>
    private static HashSet<string>? GuardiansWithStudent(Snapshot incoming, PlanBooks books)
    {
        if (!incoming.GuardiansNeedStudents) return null;
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var link in incoming.GuardianLinks)
            if (Resolve(books, link.StudentSourceId, link.StudentEmail) is not null) found.Add(link.GuardianSourceId);
        return found;
    }

    private static void OpenGuardianLink(PlanBooks books, Guid guardian, Guid student, SourceGuardianLink link)
    {
        var links = books.GuardianLinks;
        var row = links.FindPair(guardian, student);
        if (row < 0)
        {
            books.Open(links, Entities.GuardianLink, guardian, student, link.Relationship, link.GuardianSourceId, "R11");
            return;
        }
        // A source that names no relationship leaves the stored one (a hand-entered one included) as it is.
        var changed = link.Relationship is not null && links.IsSynced(row) && !links.HasRole(row, link.Relationship);
        if (links.Ended(row) || !changed) books.Open(links, Entities.GuardianLink, guardian, student, links.Role(row), link.GuardianSourceId, "R11");
        if (!changed) return;
        books.Plan.Record(new(Entities.GuardianLink, links.Id(row), link.GuardianSourceId, ChangeActions.Updated,
            "relationship", links.Role(row), link.Relationship, "R11"));
        links.SetRole(row, link.Relationship);
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

    private static void Skip(PlanBooks books, SourcePerson person, string rule, string severity, string message)
    {
        books.Plan.Issues.Add(new(severity, rule, Entities.Person, person.SourceId, message, person.At.File, person.At.Row));
        books.Plan.Count(Entities.Person, ChangeActions.Skipped);
        books.UnresolvedPeople.TryAdd(person.SourceId, rule);
    }

    private static string NormalizePhone(string phone)
    {
        Span<char> digits = phone.Length <= 64 ? stackalloc char[phone.Length] : new char[phone.Length];
        var n = 0;
        foreach (var c in phone)
            if (char.IsDigit(c)) digits[n++] = c;
        return new string(digits[..n]);
    }

    // Index loops: a foreach over an IReadOnlyList allocates an enumerator, a million times per run.
    internal static bool Has(IReadOnlyList<string> roles, string role)
    {
        for (var i = 0; i < roles.Count; i++)
            if (roles[i] == role) return true;
        return false;
    }

    /// <summary>Every role is guardian (true for no roles, as All is).</summary>
    internal static bool OnlyGuardian(IReadOnlyList<string> roles) => OnlyRole(roles, Roles.Guardian);

    /// <summary>Every role is <paramref name="role"/> (true for no roles, as All is).</summary>
    internal static bool OnlyRole(IReadOnlyList<string> roles, string role)
    {
        for (var i = 0; i < roles.Count; i++)
            if (roles[i] != role) return false;
        return true;
    }
}
