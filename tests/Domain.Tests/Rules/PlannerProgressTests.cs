using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using static RosterSync.Domain.Tests.Rules.B;

namespace RosterSync.Domain.Tests.Rules;

public class PlannerProgressTests
{
    private sealed class Recorder : IProgress<long>
    {
        public List<long> Values { get; } = [];
        public void Report(long value) => Values.Add(value);
    }

    [Fact]
    public void Planning_reports_the_people_then_the_people_classes_and_enrollments_it_has_planned()
    {
        var recorder = new Recorder();
        var snapshot = Snap([Student("s1", "a@x.org"), Student("s2", "b@x.org"), Teacher("t1", "t@x.org")],
            [Class("c1")], [Enroll("c1", "s1"), Enroll("c1", "s2")]);

        Planner.Plan(snapshot, RosterState.Empty, SyncSettings.Default, recorder);

        Assert.Equal([3, 6], recorder.Values);
    }
}
