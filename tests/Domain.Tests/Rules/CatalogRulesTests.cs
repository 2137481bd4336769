using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using static RosterSync.Domain.Tests.Rules.B;

namespace RosterSync.Domain.Tests.Rules;

/// <summary>Academic sessions and courses follow the same rules as the other synced records.</summary>
public class CatalogRulesTests
{
    private static Snapshot Catalog(string termTitle, string? courseTitle)
    {
        var s = Snap(Student("s1", "a@x.org"));
        s.Sessions.Add(new SourceSession("term-1", termTitle, "term", new DateOnly(2025, 8, 15), new DateOnly(2025, 12, 20), "2026", Row));
        if (courseTitle is not null) s.Courses.Add(new SourceCourse("crs-1", courseTitle, "BIO1", School1, Row));
        s.Modes[SnapshotKinds.Sessions] = s.Modes[SnapshotKinds.Courses] = FeedMode.Bulk;
        return s;
    }

    [Fact]
    public void R4_R7_sessions_and_courses_are_created_then_follow_the_source()
    {
        var created = Plan(Catalog("Fall", "Biology"));
        Assert.Equal(["R4", "R4"], created.Changes.Where(c => c.Entity is Entities.AcademicSession or Entities.Course).Select(c => c.Rule));
        var state = RosterState.Empty.After(created);
        Assert.Equal(state.Schools.Single(s => s.Links.OneRoster == School1).Id, Assert.Single(state.Courses).SchoolId);

        var renamed = Plan(Catalog("Fall 2025", "Biology"), state);

        var updated = Assert.Single(renamed.Changes, c => c.Entity == Entities.AcademicSession);
        Assert.Equal((ChangeActions.Updated, "Fall", "Fall 2025", "R7"), (updated.Action, updated.Before, updated.After, updated.Rule));
        Assert.Equal(state.Sessions[0].Id, Assert.Single(renamed.Sessions).Id);
        Assert.Equal(1, renamed.Counts.For(Entities.Course).Unchanged);
    }

    [Fact]
    public void R14_R16_a_course_that_is_gone_is_archived_and_restored_when_it_comes_back()
    {
        var state = RosterState.Empty.Sync(Catalog("Fall", "Biology"));
        state = state.After(Plan(Catalog("Fall", null), state));
        Assert.Equal(RecordStatus.Archived, Assert.Single(state.Courses).Status);

        var back = Plan(Catalog("Fall", "Biology"), state);

        var restored = Assert.Single(back.Changes, c => c.Entity == Entities.Course);
        Assert.Equal((ChangeActions.Restored, "R16"), (restored.Action, restored.Rule));
        Assert.Equal(RecordStatus.Active, Assert.Single(back.Courses).Status);
    }
}
