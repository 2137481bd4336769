using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using RosterSync.Domain.Tests.Rules;
using RosterSync.Domain.Tests.Snapshots;
using RosterSync.TestSupport;

namespace RosterSync.Domain.Tests.Imports;

/// <summary>
/// Every public sample bundle, read and planned into an empty district. The only error-severity issues
/// are the ones the data deserves: people with no email or a duplicate email (R6), classes whose school is not in
/// the bundle (R27).
/// </summary>
public class SampleImportTests
{
    public static TheoryData<string, int, int, int, int> Bundles() => new()
    {
        // bundle, people, classes, enrollments, errors (all deserved: R6 empty or duplicate emails, R27 classes of a missing school)
        { "classlink-sandbox/OneRoster-original.zip", 180, 72, 305, 0 },
        { "classlink-sandbox/csv-dump", 180, 72, 305, 0 },
        { "edfi-lms-toolkit/OneRoster-1.1-Sample-Data", 10, 2, 12, 0 },  // 24 rows: per-semester duplicates of 12 enrollments
        { "lepo-roster-hub/en/oneroster.zip", 20, 5, 30, 0 },
        { "lepo-roster-hub/ja/oneroster.zip", 20, 5, 30, 0 },
        { "moodle-enrol-oneroster/Test_full_data_set.zip", 6, 1, 3, 0 },
        { "moodle-enrol-oneroster/Test_minimal_data_set.zip", 0, 2, 0, 5 },
        { "moodle-enrol-oneroster/oneroster_test_data.zip", 0, 1, 0, 1 },
        { "moodle-enrol-oneroster/v1p2_full_dataset.zip", 6, 1, 3, 0 },
        { "oat-oneroster-import/OneRosterv1p1BaseCSV", 0, 3, 0, 2 },
        { "oneroster-mocker", 1997, 0, 0, 2 },
        { "onerostersync-net", 4, 1, 0, 2 },  // classes point at Sch_000002, the org is Sch_S00002 (R27)
    };

    internal static Snapshot Read(string bundle)
    {
        var path = Samples.Path(bundle.Split('/'));
        using var zip = bundle.EndsWith(".zip", StringComparison.Ordinal) ? File.OpenRead(path)
            : bundle == "oneroster-mocker"
                ? TestZips.FromBytes(("users.csv", File.ReadAllBytes(System.IO.Path.Combine(path, "test-csv.csv"))),
                    ("orgs.csv", File.ReadAllBytes(System.IO.Path.Combine(path, "orgs.csv"))))
                : (Stream)TestZips.FromFolder(path);
        return TestZips.Read(zip);
    }

    [Theory]
    [MemberData(nameof(Bundles))]
    public void Sample_imports_with_only_the_errors_its_data_deserves(string bundle, int people, int classes, int enrollments, int deservedErrors)
    {
        var plan = Planner.Plan(Read(bundle), RosterState.Empty, SyncSettings.Default);

        Assert.Equal(people, plan.People.Count);
        Assert.Equal(classes, plan.Classes.Count);
        Assert.Equal(enrollments, plan.Enrollments.Count);
        var errors = plan.Issues.Where(i => i.Severity == Severities.Error).ToList();
        Assert.All(errors, e => Assert.True(e.Rule is "R6" or "R27", e.Rule));
        Assert.Equal(deservedErrors, errors.Count);
        Assert.Null(plan.SafetyStop);
    }

    [Fact]
    public void Sample_re_import_is_idempotent_R23()
    {
        var state = RosterState.Empty.Sync(Read("classlink-sandbox/OneRoster-original.zip"));
        var again = Planner.Plan(Read("classlink-sandbox/OneRoster-original.zip"), state, SyncSettings.Default);

        Assert.Empty(again.Changes);
    }

    /// <summary>onerostersync-net ships successive feeds of one district: each step changes exactly what its story says.</summary>
    [Fact]
    public void OneRosterSync_net_steps_change_what_each_step_says()
    {
        var state = RosterState.Empty.Sync(Read("onerostersync-net"));
        Assert.Equal(4, state.Courses.Count);

        var step1 = Planner.Plan(Read("onerostersync-net/Step1-UpdateCourse"), state, SyncSettings.Default);
        var added = Assert.Single(step1.Changes);
        Assert.Equal((Entities.Course, ChangeActions.Created, "10009"), (added.Entity, added.Action, added.SourceId));
        state = state.After(step1);

        var step2 = Planner.Plan(Read("onerostersync-net/Step2-AddCourse"), state, SyncSettings.Default);
        Assert.Empty(step2.Changes);   // inactive → active: both read as active
        state = state.After(step2);

        var step3 = Planner.Plan(Read("onerostersync-net/Step3-DeleteCourse"), state, SyncSettings.Default);
        var archived = Assert.Single(step3.Changes);
        Assert.Equal((Entities.Course, ChangeActions.Archived, "10009", "R14"), (archived.Entity, archived.Action, archived.SourceId, archived.Rule));
        state = state.After(step3);

        // Its school is the district org, not a school: no class without a school (R27).
        var step4 = Planner.Plan(Read("onerostersync-net/Step4-AddClass"), state, SyncSettings.Default);
        Assert.Empty(step4.Changes);
        var skipped = Assert.Single(step4.Issues, i => i.Rule == "R27" && i.SourceId == "3221847");
        Assert.Equal((Entities.Class, "classes.csv", 6), (skipped.Entity, skipped.File, skipped.Row));
    }
}
