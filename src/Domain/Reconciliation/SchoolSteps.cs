using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Reconciliation;

/// <summary>Schools (orgs): matched by source link; R17 school mappings merge source schools into district schools.</summary>
internal static class SchoolSteps
{
    public static void Plan(Snapshot incoming, SyncSettings settings, ScopeFilter scope, PlanBooks books)
    {
        var mapped = settings.SchoolMappings.ToDictionary(m => m.SourceSchoolId, m => m.SchoolId);
        var byLink = books.Schools.Values.Where(s => s.Links.Get(books.LinkKind) is not null)
            .ToDictionary(s => s.Links.Get(books.LinkKind)!, s => s.Id);

        foreach (var school in incoming.Schools)
        {
            if (!scope.SchoolInScope(school.SourceId)) continue;
            // R17: a mapped source school is an alias of a district school; it is never created.
            if (mapped.TryGetValue(school.SourceId, out var target) && books.Schools.ContainsKey(target))
            {
                books.SchoolIdBySource[school.SourceId] = target;
                continue;
            }
            if (byLink.TryGetValue(school.SourceId, out var id))
            {
                books.SchoolIdBySource[school.SourceId] = id;
                var existing = books.Schools[id];
                if (existing.Name == school.Name && existing.Status == RecordStatus.Active)
                {
                    books.Plan.Count(Entities.School, ChangeActions.Unchanged);
                    continue;
                }
                if (existing.Name != school.Name)
                    books.Plan.Record(new(Entities.School, id, school.SourceId, ChangeActions.Updated, "name", existing.Name, school.Name, "R7"));
                if (existing.Status != RecordStatus.Active)
                    books.Plan.Record(new(Entities.School, id, school.SourceId, ChangeActions.Restored, "status", existing.Status, RecordStatus.Active, "R16"));
                books.Put(existing with { Name = school.Name, Status = RecordStatus.Active });
                continue;
            }
            var created = new SchoolRecord
            {
                Id = books.NewId(),
                Name = school.Name,
                Identifier = school.Identifier,
                Links = SourceLinks.None.With(books.LinkKind, school.SourceId),
            };
            books.PutNew(created);
            books.SchoolIdBySource[school.SourceId] = created.Id;
            books.Plan.Record(new(Entities.School, created.Id, school.SourceId, ChangeActions.Created, null, null, school.Name, "R4"));
        }
        // Mappings also resolve schools the snapshot only references.
        foreach (var (sourceId, schoolId) in mapped)
            if (books.Schools.ContainsKey(schoolId)) books.SchoolIdBySource.TryAdd(sourceId, schoolId);
        foreach (var (sourceId, schoolId) in byLink)
            books.SchoolIdBySource.TryAdd(sourceId, schoolId);
    }
}

/// <summary>Academic sessions and courses: created or updated by source link, as OneRoster defines them.</summary>
internal static class CatalogSteps
{
    public static void Plan(Snapshot incoming, PlanBooks books)
    {
        PlanKind(books, Entities.AcademicSession, books.Sessions, books.SessionIdBySource, incoming.Sessions.Select(s => (s.SourceId, s.Title,
            new SessionRecord { Id = Guid.Empty, Title = s.Title, Type = s.Type, StartDate = s.StartDate, EndDate = s.EndDate, SchoolYear = s.SchoolYear })),
            r => r.Links, r => r.Status, r => r.Title, (r, id, links) => r with { Id = id, Links = links }, books.Put, books.PutNew);

        PlanKind(books, Entities.Course, books.Courses, books.CourseIdBySource, incoming.Courses.Select(c => (c.SourceId, c.Title, new CourseRecord
            {
                Id = Guid.Empty, Title = c.Title, CourseCode = c.CourseCode,
                SchoolId = c.SchoolSourceId is not null && books.SchoolIdBySource.TryGetValue(c.SchoolSourceId, out var school) ? school : null,
            })),
            r => r.Links, r => r.Status, r => r.Title, (r, id, links) => r with { Id = id, Links = links }, books.Put, books.PutNew);
    }

    /// <summary>
    /// Sessions or courses: matched by this source's link; created (R4), updated to what the source sends (R7) or
    /// restored (R16); each source id then maps to its record, including records this snapshot did not send.
    /// </summary>
    private static void PlanKind<T>(
        PlanBooks books, string entity, Dictionary<Guid, T> current, Dictionary<string, Guid> idBySource,
        IEnumerable<(string SourceId, string Title, T Fields)> incoming,
        Func<T, SourceLinks> links, Func<T, string> status, Func<T, string> title, Func<T, Guid, SourceLinks, T> with,
        Action<T> put, Action<T> putNew) where T : class
    {
        var byLink = current.Where(r => links(r.Value).Get(books.LinkKind) is not null)
            .ToDictionary(r => links(r.Value).Get(books.LinkKind)!, r => r.Key);
        foreach (var (sourceId, sourceTitle, fields) in incoming)
        {
            if (!byLink.TryGetValue(sourceId, out var id))
            {
                id = books.NewId();
                putNew(with(fields, id, SourceLinks.None.With(books.LinkKind, sourceId)));
                books.Plan.Record(new(entity, id, sourceId, ChangeActions.Created, null, null, sourceTitle, "R4"));
            }
            else if (current[id] is var existing && !existing.Equals(with(fields, id, links(existing))))
            {
                put(with(fields, id, links(existing)));
                books.Plan.Record(status(existing) == RecordStatus.Archived
                    ? new(entity, id, sourceId, ChangeActions.Restored, "status", status(existing), RecordStatus.Active, "R16")
                    : new(entity, id, sourceId, ChangeActions.Updated, null, title(existing), sourceTitle, "R7"));
            }
            else books.Plan.Count(entity, ChangeActions.Unchanged);
            idBySource[sourceId] = id;
        }
        foreach (var (link, id) in byLink) idBySource.TryAdd(link, id);
    }
}
