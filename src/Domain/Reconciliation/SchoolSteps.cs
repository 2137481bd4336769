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
        var sessionsByLink = books.Sessions.Values.Where(s => s.Links.Get(books.LinkKind) is not null)
            .ToDictionary(s => s.Links.Get(books.LinkKind)!, s => s.Id);
        foreach (var s in incoming.Sessions)
        {
            var wanted = new SessionRecord
            {
                Id = sessionsByLink.GetValueOrDefault(s.SourceId, Guid.Empty),
                Title = s.Title, Type = s.Type, StartDate = s.StartDate, EndDate = s.EndDate, SchoolYear = s.SchoolYear,
                Links = SourceLinks.None.With(books.LinkKind, s.SourceId),
            };
            if (wanted.Id == Guid.Empty)
            {
                wanted = wanted with { Id = books.NewId() };
                books.PutNew(wanted);
                books.Plan.Record(new(Entities.AcademicSession, wanted.Id, s.SourceId, ChangeActions.Created, null, null, s.Title, "R4"));
            }
            else if (books.Sessions[wanted.Id] is var existing && existing != (wanted with { Links = existing.Links }))
            {
                books.Put(wanted with { Links = existing.Links });
                books.Plan.Record(existing.Status == RecordStatus.Archived
                    ? new(Entities.AcademicSession, wanted.Id, s.SourceId, ChangeActions.Restored, "status", existing.Status, RecordStatus.Active, "R16")
                    : new(Entities.AcademicSession, wanted.Id, s.SourceId, ChangeActions.Updated, null, existing.Title, s.Title, "R7"));
            }
            else books.Plan.Count(Entities.AcademicSession, ChangeActions.Unchanged);
            books.SessionIdBySource[s.SourceId] = wanted.Id;
        }
        foreach (var (link, id) in sessionsByLink) books.SessionIdBySource.TryAdd(link, id);

        var coursesByLink = books.Courses.Values.Where(c => c.Links.Get(books.LinkKind) is not null)
            .ToDictionary(c => c.Links.Get(books.LinkKind)!, c => c.Id);
        foreach (var c in incoming.Courses)
        {
            var wanted = new CourseRecord
            {
                Id = coursesByLink.GetValueOrDefault(c.SourceId, Guid.Empty),
                Title = c.Title, CourseCode = c.CourseCode,
                SchoolId = c.SchoolSourceId is null ? null : books.SchoolIdBySource.GetValueOrDefault(c.SchoolSourceId) is var s && s != Guid.Empty ? s : null,
                Links = SourceLinks.None.With(books.LinkKind, c.SourceId),
            };
            if (wanted.Id == Guid.Empty)
            {
                wanted = wanted with { Id = books.NewId() };
                books.PutNew(wanted);
                books.Plan.Record(new(Entities.Course, wanted.Id, c.SourceId, ChangeActions.Created, null, null, c.Title, "R4"));
            }
            else if (books.Courses[wanted.Id] is var existing && existing != (wanted with { Links = existing.Links }))
            {
                books.Put(wanted with { Links = existing.Links });
                books.Plan.Record(existing.Status == RecordStatus.Archived
                    ? new(Entities.Course, wanted.Id, c.SourceId, ChangeActions.Restored, "status", existing.Status, RecordStatus.Active, "R16")
                    : new(Entities.Course, wanted.Id, c.SourceId, ChangeActions.Updated, null, existing.Title, c.Title, "R7"));
            }
            else books.Plan.Count(Entities.Course, ChangeActions.Unchanged);
            books.CourseIdBySource[c.SourceId] = wanted.Id;
        }
        foreach (var (link, id) in coursesByLink) books.CourseIdBySource.TryAdd(link, id);
    }
}
