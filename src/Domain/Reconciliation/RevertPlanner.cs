using RosterSync.Domain.Model;

namespace RosterSync.Domain.Reconciliation;

/// <summary>
/// R24: undoes a finished run's changes, newest first, as a plan of its own. Nothing is deleted: what the
/// run created is archived or ended. A field that changed again since is left alone, with a warning.
/// </summary>
public static class RevertPlanner
{
    public static Plan Plan(IReadOnlyList<Change> runChanges, RosterState current)
    {
        var people = current.People.ToDictionary(p => p.Id);
        var classes = current.Classes.ToDictionary(c => c.Id);
        var schools = current.Schools.ToDictionary(s => s.Id);
        var links = new Dictionary<string, Dictionary<Guid, LinkRecord>>
        {
            [Entities.Membership] = current.Memberships.ToDictionary(l => l.Id),
            [Entities.Enrollment] = current.Enrollments.ToDictionary(l => l.Id),
            [Entities.GuardianLink] = current.GuardianLinks.ToDictionary(l => l.Id),
        };
        var emails = current.People.Where(p => p.NormalizedEmail is not null).ToDictionary(p => p.NormalizedEmail!, p => p.Id);
        // Source ids are unique per kind like emails: one given back while another person holds it is left alone.
        var sourceIds = current.People.SelectMany(p => new[] { LinkKinds.OneRoster, LinkKinds.Clever, LinkKinds.ClassLink }
            .Where(k => p.Links.Get(k) is not null).Select(k => (Key: (k, p.Links.Get(k)!), p.Id))).ToDictionary(x => x.Key, x => x.Id);
        var plan = new Plan();
        var touchedPeople = new HashSet<Guid>();
        var touchedClasses = new HashSet<Guid>();
        var touchedSchools = new HashSet<Guid>();
        var touchedLinks = new Dictionary<string, HashSet<Guid>> { [Entities.Membership] = [], [Entities.Enrollment] = [], [Entities.GuardianLink] = [] };

        void Undo(Change c, string action, string? field, string? before, string? after) =>
            plan.Record(new(c.Entity, c.RecordId, c.SourceId, action, field, before, after, "R24"));
        void Conflict(Change c) => plan.Issues.Add(new(Severities.Warning, "R24", c.Entity, c.SourceId,
            $"{c.Field} of record {c.RecordId} changed again after the reverted run; it was left as it is."));

        foreach (var c in runChanges.Reverse())
        {
            if (c.RecordId is not { } id) continue;
            switch (c.Entity)
            {
                case Entities.Person when people.TryGetValue(id, out var p):
                    var reverted = RevertPerson(c, p, emails, sourceIds);
                    if (reverted is null) { if (c.Action is ChangeActions.Updated or ChangeActions.Restored or ChangeActions.Archived) Conflict(c); continue; }
                    people[id] = reverted;
                    touchedPeople.Add(id);
                    Undo(c, InverseAction(c), c.Field ?? "status", c.After ?? p.Status, c.Before ?? reverted.Status);
                    break;
                case Entities.Class when classes.TryGetValue(id, out var k):
                    var revertedClass = RevertClass(c, k);
                    if (revertedClass is null) { Conflict(c); continue; }
                    classes[id] = revertedClass;
                    touchedClasses.Add(id);
                    Undo(c, InverseAction(c), c.Field ?? "status", c.After ?? k.Status, c.Before ?? revertedClass.Status);
                    break;
                case Entities.School when schools.TryGetValue(id, out var s) && c.Action == ChangeActions.Created:
                    schools[id] = s with { Status = RecordStatus.Archived };
                    touchedSchools.Add(id);
                    Undo(c, ChangeActions.Archived, "status", s.Status, RecordStatus.Archived);
                    break;
                case Entities.GuardianLink when c.Action == ChangeActions.Updated && links[c.Entity].TryGetValue(id, out var g):
                    // A relationship the run changed goes back, unless it changed again since.
                    if (g.Role != c.After) { Conflict(c); continue; }
                    links[c.Entity][id] = g with { Role = c.Before };
                    touchedLinks[c.Entity].Add(id);
                    Undo(c, ChangeActions.Updated, c.Field, c.After, c.Before);
                    break;
                case Entities.Membership or Entities.Enrollment or Entities.GuardianLink when links[c.Entity].TryGetValue(id, out var l):
                    // Created or restored links end again; removed links re-open.
                    var ended = c.Action != ChangeActions.Removed;
                    if (l.Ended == ended) continue;
                    links[c.Entity][id] = l with { Ended = ended };
                    touchedLinks[c.Entity].Add(id);
                    Undo(c, ended ? ChangeActions.Removed : ChangeActions.Restored, null, null, null);
                    break;
            }
        }
        plan.People.AddRange(touchedPeople.Select(id => people[id]));
        plan.Classes.AddRange(touchedClasses.Select(id => classes[id]));
        plan.Schools.AddRange(touchedSchools.Select(id => schools[id]));
        plan.Memberships.AddRange(touchedLinks[Entities.Membership].Select(id => links[Entities.Membership][id]));
        plan.Enrollments.AddRange(touchedLinks[Entities.Enrollment].Select(id => links[Entities.Enrollment][id]));
        plan.GuardianLinks.AddRange(touchedLinks[Entities.GuardianLink].Select(id => links[Entities.GuardianLink][id]));
        return plan;
    }

    private static string InverseAction(Change c) => c.Action switch
    {
        ChangeActions.Created or ChangeActions.Restored => ChangeActions.Archived,
        ChangeActions.Archived => ChangeActions.Restored,
        _ => ChangeActions.Updated,
    };

    private static PersonRecord? RevertPerson(Change c, PersonRecord p, Dictionary<string, Guid> emails, Dictionary<(string, string), Guid> sourceIds)
    {
        switch (c.Action)
        {
            case ChangeActions.Created or ChangeActions.Restored:
                return p.Status == RecordStatus.Archived ? null : p with { Status = RecordStatus.Archived };
            case ChangeActions.Archived:
                return p.Status == RecordStatus.Active ? null : p with { Status = RecordStatus.Active };
            case ChangeActions.Updated when c.Field is not null:
                if (Current(p, c.Field) != c.After) return null;
                if (c.Field == "email")
                {
                    var normalized = EmailNormalizer.Normalize(c.Before);
                    if (normalized is not null && emails.TryGetValue(normalized, out var holder) && holder != p.Id) return null;
                    if (p.NormalizedEmail is not null) emails.Remove(p.NormalizedEmail);
                    if (normalized is not null) emails[normalized] = p.Id;
                    return p with { Email = c.Before, NormalizedEmail = normalized };
                }
                if (c.Field.StartsWith("sourceIds.", StringComparison.Ordinal) && c.Field["sourceIds.".Length..] is var kind && kind != LinkKinds.Sis)
                {
                    if (c.Before is not null && sourceIds.TryGetValue((kind, c.Before), out var linkHolder) && linkHolder != p.Id) return null;
                    if (c.After is not null) sourceIds.Remove((kind, c.After));
                    if (c.Before is not null) sourceIds[(kind, c.Before)] = p.Id;
                }
                return Set(p, c.Field, c.Before);
            default:
                return null;
        }
    }

    private static string? Current(PersonRecord p, string field) => field switch
    {
        "roles" => string.Join(',', p.Roles), "origin" => p.Origin, "status" => p.Status,
        _ when field.StartsWith("sourceIds.", StringComparison.Ordinal) => p.Links.Get(field["sourceIds.".Length..]),
        _ => PersonFields.Find(field)?.Get(p),
    };

    private static PersonRecord? Set(PersonRecord p, string field, string? value) => field switch
    {
        "roles" => p with { Roles = value?.Split(',') ?? [] }, "origin" => p with { Origin = value ?? Origins.Synced },
        "status" => p with { Status = value ?? RecordStatus.Active },
        _ when field.StartsWith("sourceIds.", StringComparison.Ordinal) => p with { Links = p.Links.With(field["sourceIds.".Length..], value) },
        _ => PersonFields.Find(field)?.With(p, value),
    };

    private static ClassRecord? RevertClass(Change c, ClassRecord k) => (c.Action, c.Field) switch
    {
        (ChangeActions.Created or ChangeActions.Restored, _) => k.Status == RecordStatus.Archived ? null : k with { Status = RecordStatus.Archived },
        (ChangeActions.Archived, _) => k.Status == RecordStatus.Active ? null : k with { Status = RecordStatus.Active },
        (ChangeActions.Updated, "name") when k.Name == c.After => k with { Name = c.Before ?? k.Name },
        (ChangeActions.Updated, "grade") when k.Grade == c.After => k with { Grade = c.Before },
        (ChangeActions.Updated, "origin") when k.Origin == c.After => k with { Origin = c.Before ?? Origins.Manual },
        _ => null,
    };
}
