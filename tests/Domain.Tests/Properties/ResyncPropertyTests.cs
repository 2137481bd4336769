using System.Text.Json;
using CsCheck;
using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using RosterSync.Domain.Tests.Rules;
using Xunit.Abstractions;

namespace RosterSync.Domain.Tests.Properties;

/// <summary>
/// Issue 12's guard rail: on random district histories (PlannerPropertyTests' generator) a fingerprinted re-sync — only the people
/// whose rows changed since the last applied run, the gone ones and their neighbourhood reach <see cref="Planner.Plan"/> — plans
/// exactly what the full plan does: the same changes in the same order, the same issues, kept records, counts, safety stop and
/// records written. Fingerprints are kept as the Worker keeps them (<see cref="FingerprintUpdates"/>), and cleared where the Api
/// would clear them (a sign-in).
/// </summary>
public class ResyncPropertyTests(ITestOutputHelper output)
{
    private const int Histories = 500;

    [Fact]
    public void Issue12_R1_to_R27_a_fingerprinted_resync_plans_what_the_full_plan_plans_over_random_histories()
    {
        var fast = 0;
        DistrictHistories.Histories(maxSteps: 8).Sample(h => fast += Check(h), iter: Histories, threads: 1,
            print: h => h.ToString(), writeLine: output.WriteLine);
        output.WriteLine($"{fast} steps took the fingerprinted path");
        Assert.True(fast > 0, "no step took the fingerprinted path: the property compared nothing");
    }

    [Fact]
    public void Issue12_R1_to_R27_a_fingerprinted_resync_plans_what_the_full_plan_plans_over_bulk_histories_with_steady_settings()
    {
        // The same histories with every step a bulk file under the first step's settings: most steps take the fingerprinted path.
        var fast = 0;
        DistrictHistories.Histories(maxSteps: 8)
            .Select(h => h with { Steps = h.Steps.Select(s => s with { Delta = false, SettingBits = h.Steps[0].SettingBits & 7 }).ToArray() })
            .Sample(h => fast += Check(h), iter: Histories, threads: 1, print: h => h.ToString(), writeLine: output.WriteLine);
        output.WriteLine($"{fast} steps took the fingerprinted path");
        Assert.True(fast > Histories, "too few steps took the fingerprinted path");
    }

    /// <summary>Runs a history, comparing both paths at every step; returns the steps that took the fingerprinted path.</summary>
    private static int Check(DistrictHistory history)
    {
        var ids = 0;
        Guid Id() => Guid.ParseExact($"{++ids:x32}", "N");
        var state = RosterState.Empty;
        var stored = new Dictionary<Guid, long>();
        long? lastBasis = null;
        var (index, fastSteps) = (0, 0);
        foreach (var (step, snapshot, settings) in HistoryRunner.Snapshots(history))
        {
            // A sign-in goes through the Api, which clears the fingerprint.
            var signedIn = HistoryRunner.SignedIn(state, step.SignIns);
            state = HistoryRunner.WithAccountState(state, signedIn);
            foreach (var id in signedIn) stored.Remove(id);

            var first = ids;
            var full = Planner.Plan(snapshot, state, settings, Id);
            var prints = SourceFingerprints.People(snapshot);
            var basis = SourceFingerprints.Basis(snapshot, settings);
            var (planned, plannedFrom, plannedState) = (full, snapshot, state);
            if (lastBasis == basis)
            {
                var people = state.People.Select(p => new StoredPerson(p.Id, p.Links.Get(snapshot.LinkKind), p.NormalizedEmail, p.Origin,
                    stored.TryGetValue(p.Id, out var print) ? print : null)).ToList();
                var (scope, _) = ResyncScope.Select(snapshot, settings, prints, people,
                    state.GuardianLinks.Select(l => (l.PersonId, l.TargetId)), state.Classes, state.Schools);
                if (scope is not null)
                {
                    var afterFull = ids;
                    ids = first;
                    var part = Part(state, scope.People);
                    var fast = Planner.Plan(scope.Subset, part, settings, Id);
                    scope.CountLeftOut(fast);
                    HistoryRunner.Check(index, new PlannedStep(snapshot, settings, state, full, state.After(full)), _ => AssertSame(full, fast));
                    Assert.Equal(afterFull, ids);
                    (planned, plannedFrom, plannedState) = (fast, scope.Subset, part);
                    fastSteps++;
                }
            }
            // What the Worker's apply stores: the plan's records with their fingerprints, then the other people planned.
            var updates = FingerprintUpdates.After(plannedFrom, prints, plannedState, planned, id => stored.TryGetValue(id, out var p) ? p : null);
            foreach (var p in planned.People)
                if (updates.Written.TryGetValue(p.Id, out var print)) stored[p.Id] = print;
                else stored.Remove(p.Id);
            foreach (var (id, print) in updates.Others)
                if (print is { } value) stored[id] = value;
                else stored.Remove(id);
            state = state.After(full);
            lastBasis = basis;
            index++;
        }
        return fastSteps;
    }

    /// <summary>The part of the state the Worker loads for a scope: those people, their memberships and enrollments, links between them.</summary>
    internal static RosterState Part(RosterState state, HashSet<Guid> people) => new RosterState
    {
        People = state.People.Where(p => people.Contains(p.Id)).ToList(),
        Schools = state.Schools, Classes = state.Classes, Sessions = state.Sessions, Courses = state.Courses,
        Memberships = state.Memberships.Where(l => people.Contains(l.PersonId)).ToList(),
        Enrollments = state.Enrollments.Where(l => people.Contains(l.PersonId)).ToList(),
        GuardianLinks = state.GuardianLinks.Where(l => people.Contains(l.PersonId) && people.Contains(l.TargetId)).ToList(),
    }.WithActiveSynced(ActiveSyncedRecords.Of(state));

    internal static void AssertSame(Plan full, Plan fast)
    {
        Assert.Equal(Lines(full.Changes, Change), Lines(fast.Changes, Change));
        Assert.Equal(Lines(full.Issues, i => $"{i.Severity} {i.Rule} {i.Entity} {i.SourceId} {i.File}:{i.Row} {i.Message}"),
            Lines(fast.Issues, i => $"{i.Severity} {i.Rule} {i.Entity} {i.SourceId} {i.File}:{i.Row} {i.Message}"));
        Assert.Equal(Lines(full.Kept, k => $"{k.Entity} {k.RecordId} {k.Rule}"), Lines(fast.Kept, k => $"{k.Entity} {k.RecordId} {k.Rule}"));
        Assert.Equal(JsonSerializer.Serialize(full.Counts), JsonSerializer.Serialize(fast.Counts));
        Assert.Equal(full.SafetyStop, fast.SafetyStop);
        Assert.Equal(Lines(full.People, PlanInvariants.Canon), Lines(fast.People, PlanInvariants.Canon));
        Assert.Equal(Lines(full.Classes, PlanInvariants.Canon), Lines(fast.Classes, PlanInvariants.Canon));
        foreach (var (a, b) in new[] { (full.Memberships, fast.Memberships), (full.Enrollments, fast.Enrollments), (full.GuardianLinks, fast.GuardianLinks) })
            Assert.Equal(Lines(a, l => $"{l.Id} {l.PersonId} {l.TargetId} {l.Role} {l.Origin} {l.Ended}"), Lines(b, l => $"{l.Id} {l.PersonId} {l.TargetId} {l.Role} {l.Origin} {l.Ended}"));
    }

    private static string Change(Change c) => $"{c.Entity} {c.RecordId} {c.SourceId} {c.Action} {c.Field} {c.Before}→{c.After} {c.Rule}";

    private static List<string> Lines<T>(IEnumerable<T> items, Func<T, string> line) => items.Select(line).ToList();
}
