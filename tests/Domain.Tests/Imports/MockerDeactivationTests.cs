using System.Globalization;
using System.Text;
using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using RosterSync.Domain.Tests.Properties;
using RosterSync.Domain.Tests.Rules;
using RosterSync.Domain.Tests.Snapshots;
using RosterSync.TestSupport;

namespace RosterSync.Domain.Tests.Imports;

/// <summary>
/// R12 with R14 on the oneroster-mocker sample's own users (1,187 students, each with 1–3 guardians, as the file is). The
/// stored sample has no classes or enrollments and no deactivated rows, so the test adds what a OneRoster generator sends
/// with it: one class per grade with its students, and, in the second bulk bundle, ten students and their enrollment rows
/// marked tobedeleted (the rest of users.csv byte for byte as it is).
/// </summary>
public class MockerDeactivationTests
{
    private const string School = "40a9b1be-6eb9-4456-836f-d00c0a444151";

    [Fact]
    public void R12_R14_deactivated_students_of_the_mocker_sample_are_archived_and_leave_their_classes()
    {
        var users = File.ReadAllText(Samples.Path("oneroster-mocker", "test-csv.csv"));
        var orgs = File.ReadAllBytes(Samples.Path("oneroster-mocker", "orgs.csv"));
        var students = SampleImportTests.Read("oneroster-mocker").People.Where(p => p.Roles.Contains(Roles.Student)).ToList();
        var leaving = students.Take(10).Select(s => s.SourceId).ToHashSet();

        var first = Bundle(users, orgs, students, deactivated: []);
        var state = RosterState.Empty.Sync(first);
        var second = Bundle(Deactivate(users, leaving), orgs, students, leaving);
        var plan = Planner.Plan(second, state, SyncSettings.Default);
        var after = state.After(plan);

        Assert.Equal(leaving.Order(), plan.Of(Entities.Person, ChangeActions.Archived).Select(c => c.SourceId!).Order());
        Assert.All(plan.Of(Entities.Person, ChangeActions.Archived), c => Assert.Equal("R12", c.Rule));
        var leavingIds = state.People.Where(p => leaving.Contains(p.Links.OneRoster!)).Select(p => p.Id).ToHashSet();
        Assert.Equal(10, after.Enrollments.Count(e => leavingIds.Contains(e.PersonId) && e.Ended));
        Assert.Equal(10, plan.Of(Entities.Enrollment, ChangeActions.Removed).Count(c => c.Rule == "R14"));
        Assert.Equal(10, plan.Counts.Enrollments.Removed);
        var step = new PlannedStep(second, SyncSettings.Default, state, plan, after);
        PlanInvariants.AbsentIsChangedOrKept(step);
        PlanInvariants.CountsEqualJournal(plan);
        PlanInvariants.SameSnapshotChangesNothing(step, Guid.NewGuid);
    }

    private static string Deactivate(string users, HashSet<string> ids) =>
        string.Join('\n', users.Split('\n').Select(line =>
            line.Split(',', 2) is [var id, var rest] && ids.Contains(id) && rest.StartsWith("active,", StringComparison.Ordinal)
                ? $"{id},tobedeleted,{rest["active,".Length..]}" : line));

    /// <summary>The sample's users and orgs, one class per grade, every student enrolled in its grade's class.</summary>
    private static Snapshot Bundle(string users, byte[] orgs, List<SourcePerson> students, HashSet<string> deactivated)
    {
        var classes = new StringBuilder("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds\n");
        foreach (var grade in students.Select(s => s.Grade ?? "none").Distinct().Order())
            classes.Append(CultureInfo.InvariantCulture, $"class-{grade},active,,Homeroom {grade},{grade},,HR-{grade},homeroom,,{School},\n");
        var enrollments = new StringBuilder("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n");
        foreach (var s in students)
            enrollments.Append(CultureInfo.InvariantCulture, $"enr-{s.SourceId},{(deactivated.Contains(s.SourceId) ? "tobedeleted" : "active")},,class-{s.Grade ?? "none"},{School},{s.SourceId},student,false,,\n");
        using var zip = TestZips.FromBytes(("users.csv", Encoding.UTF8.GetBytes(users)), ("orgs.csv", orgs),
            ("classes.csv", Encoding.UTF8.GetBytes(classes.ToString())), ("enrollments.csv", Encoding.UTF8.GetBytes(enrollments.ToString())));
        return TestZips.Read(zip);
    }
}
