using CsCheck;
using Xunit.Abstractions;

namespace RosterSync.Domain.Tests.Properties;

/// <summary>
/// Generative tests of the planner (SPEC §4): random district histories (bulk and delta snapshots with additions, removals,
/// source id and email changes, guardians coming and going, skipped rows and random settings) planned and folded into an
/// in-memory roster; after every step an invariant must hold. A failure is shrunk to a minimal history and printed with its
/// seed (replay it with the environment variable CsCheck_Seed).
/// </summary>
public class PlannerPropertyTests(ITestOutputHelper output)
{
    private const int Histories = 500;
    private static readonly Gen<DistrictHistory> Gen = DistrictHistories.Histories(maxSteps: 8);

    private void Sample(Action<PlannedStep, Func<Guid>> check) =>
        Gen.Sample(h => HistoryRunner.Run(h, check), iter: Histories, threads: 1, print: h => h.ToString(), writeLine: output.WriteLine);

    [Fact]
    public void R2_R3_no_record_is_both_matched_and_abandoned_over_random_histories() =>
        Sample((step, _) => PlanInvariants.MatchedIsNeverAbandoned(step));

    [Fact]
    public void R16_every_record_present_in_the_snapshot_is_active_unless_skipped_over_random_histories() =>
        Sample((step, _) => PlanInvariants.PresentIsActive(step));

    [Fact]
    public void R14_every_absent_synced_record_is_changed_or_kept_under_its_rule_over_random_histories() =>
        Sample((step, _) => PlanInvariants.AbsentIsChangedOrKept(step));

    [Fact]
    public void R23_same_snapshot_twice_changes_nothing_over_random_histories() =>
        Sample(PlanInvariants.SameSnapshotChangesNothing);

    [Fact]
    public void R24_a_revert_restores_the_previous_state_exactly_over_random_histories() =>
        Sample((step, _) => PlanInvariants.RevertRestores(step));

    [Fact]
    public void R20_counts_equal_the_change_journal_over_random_histories() =>
        Sample((step, _) => PlanInvariants.CountsEqualJournal(step.Plan));
}
