using RosterSync.Domain.Events;
using RosterSync.Domain.Model;

namespace RosterSync.Domain.Tests.Events;

public sealed class FeedRulesTests
{
    private static readonly Guid District = Guid.NewGuid();
    private static readonly DateTimeOffset At = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private static JournalRow RunRow(long seq, long id, Guid record, string action, string? field = null, Guid? run = null) =>
        new(new FeedPosition(seq, id), At, Entities.Person, record, "stu-1", action, field, field is null ? null : "a", field is null ? null : "b", "R7", run ?? RunId, null);

    private static readonly Guid RunId = Guid.NewGuid();

    [Fact]
    public void A_records_field_rows_make_one_event_positioned_at_its_last_row()
    {
        var ana = Guid.NewGuid();
        var ben = Guid.NewGuid();
        var events = FeedRules.Group([
            RunRow(5, 10, ana, ChangeActions.Updated, "givenName"), RunRow(5, 11, ana, ChangeActions.Updated, "grade"),
            RunRow(5, 12, ben, ChangeActions.Created), RunRow(5, 13, ana, ChangeActions.Archived, "status"),
        ], District);

        Assert.Equal(["person.updated", "person.created", "person.archived"], events.Select(e => e.Type));
        Assert.Equal(["givenName", "grade"], events[0].Changes.Select(c => c.Field));
        Assert.Empty(events[1].Changes);
        Assert.True(FeedPosition.TryParse(events[0].Id, District, out var position));
        Assert.Equal(new FeedPosition(5, 11), position);
        Assert.All(events, e => Assert.Equal(RunId, e.RunId));
    }

    [Fact]
    public void Api_edits_group_by_edit_and_never_with_a_runs_rows()
    {
        var ana = Guid.NewGuid();
        var key = Guid.NewGuid();
        JournalRow Edit(long seq, string field, DateTimeOffset at) =>
            new(new FeedPosition(seq, FeedPosition.End), at, Entities.Person, ana, null, ChangeActions.Updated, field, null, "x", null, null, key);
        var events = FeedRules.Group([Edit(1, "room", At), Edit(2, "language", At), Edit(3, "room", At.AddSeconds(1)), RunRow(4, 1, ana, ChangeActions.Updated, "room")], District);

        Assert.Equal(3, events.Count);
        Assert.Equal(["room", "language"], events[0].Changes.Select(c => c.Field));
        Assert.Equal(key, events[0].ApiKeyId);
        Assert.Null(events[0].RunId);
        Assert.Equal(2, events[0].Sequence);
    }

    [Fact]
    public void A_run_is_bulk_when_it_changed_more_records_than_the_threshold_unchanged_ones_aside()
    {
        var counts = new RunCounts();
        counts.People.Created = 6;
        counts.Enrollments.Removed = 4;
        counts.People.Unchanged = 1_000;
        Assert.False(FeedRules.IsBulk(counts, 10));
        counts.Classes.Restored = 1;
        Assert.True(FeedRules.IsBulk(counts, 10));
    }

    [Fact]
    public void Cursors_round_trip_and_belong_to_their_district()
    {
        var position = new FeedPosition(42, 7);
        var cursor = position.ToCursor(District);
        Assert.True(FeedPosition.TryParse(cursor, District, out var read));
        Assert.Equal(position, read);
        Assert.False(FeedPosition.TryParse(cursor, Guid.NewGuid(), out _));
        Assert.False(FeedPosition.TryParse(cursor[..^2], District, out _));
        Assert.False(FeedPosition.TryParse("not a cursor", District, out _));
    }

    [Theory]
    [InlineData("person.created", true)]
    [InlineData("guardianLink.removed", true)]
    [InlineData("person.*", true)]
    [InlineData("sync.run.*", true)]
    [InlineData("sync.run.awaiting-approval", true)]
    [InlineData("*", true)]
    [InlineData("person.deleted", false)]
    [InlineData("people.*", false)]
    [InlineData("", false)]
    public void Event_type_patterns(string pattern, bool valid) => Assert.Equal(valid, EventTypes.IsPattern(pattern));

    [Fact]
    public void Patterns_match_types()
    {
        Assert.True(EventTypes.Matches([], "person.created"));
        Assert.True(EventTypes.Matches(["person.*"], "person.created"));
        Assert.False(EventTypes.Matches(["person.*"], "membership.created"));
        Assert.True(EventTypes.Matches(["class.archived", "sync.run.*"], "sync.run.failed"));
    }
}

public sealed class DeliveryPolicyTests
{
    private static readonly DateTimeOffset Created = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlyList<TimeSpan> Schedule = WebhookOptions.StandardSchedule;

    [Fact]
    public void Only_2xx_succeeds()
    {
        Assert.Equal(DeliveryStatus.Succeeded, DeliveryPolicy.Decide(204, 1, Created, Created, null, Schedule, 0).Status);
        Assert.Equal(DeliveryStatus.Pending, DeliveryPolicy.Decide(301, 1, Created, Created, null, Schedule, 0).Status);
        Assert.Equal(DeliveryStatus.Pending, DeliveryPolicy.Decide(null, 1, Created, Created, null, Schedule, 0).Status);
    }

    [Fact]
    public void Gone_fails_the_delivery_and_disables_the_subscription()
    {
        var outcome = DeliveryPolicy.Decide(410, 1, Created, Created, null, Schedule, 0);
        Assert.Equal(DeliveryStatus.Failed, outcome.Status);
        Assert.True(outcome.DisableSubscription);
    }

    [Fact]
    public void Retries_follow_the_Standard_Webhooks_schedule_from_creation_with_at_most_ten_percent_jitter_for_24_hours()
    {
        var second = DeliveryPolicy.Decide(500, 1, Created, Created, null, Schedule, 0);
        Assert.Equal(Created.AddSeconds(5), second.NextAttemptAt);
        var third = DeliveryPolicy.Decide(500, 2, Created, Created.AddSeconds(5), null, Schedule, 0.999);
        Assert.InRange(third.NextAttemptAt!.Value, Created.AddMinutes(5), Created.AddMinutes(5) + (TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(5)) * 0.1);
        var last = DeliveryPolicy.Decide(503, 9, Created, Created.AddHours(20), null, Schedule, 0);
        Assert.Equal(Created.AddHours(24), last.NextAttemptAt);
        Assert.Equal(DeliveryStatus.Failed, DeliveryPolicy.Decide(503, 10, Created, Created.AddHours(24), null, Schedule, 0).Status);
    }

    [Fact]
    public void Retry_After_postpones_the_next_attempt_but_never_advances_it()
    {
        var now = Created.AddSeconds(1);
        Assert.Equal(now.AddSeconds(30), DeliveryPolicy.Decide(429, 1, Created, now, TimeSpan.FromSeconds(30), Schedule, 0).NextAttemptAt);
        Assert.Equal(Created.AddSeconds(5), DeliveryPolicy.Decide(429, 1, Created, now, TimeSpan.FromSeconds(1), Schedule, 0).NextAttemptAt);
        Assert.Equal(TimeSpan.FromSeconds(120), DeliveryPolicy.RetryAfter("120", now));
        Assert.Equal(TimeSpan.FromMinutes(1), DeliveryPolicy.RetryAfter(now.AddMinutes(1).ToString("R"), now));
        Assert.Null(DeliveryPolicy.RetryAfter("soon", now));
    }

    [Fact]
    public void A_signature_lists_one_v1_entry_per_secret()
    {
        var first = WebhookSignature.NewSecret();
        var second = WebhookSignature.NewSecret();
        var header = WebhookSignature.Sign("msg_1", 1_700_000_000, "{}", [first, second]);
        var entries = header.Split(' ');
        Assert.Equal(2, entries.Length);
        Assert.All(entries, e => Assert.StartsWith("v1,", e, StringComparison.Ordinal));
        Assert.Equal(entries[0], WebhookSignature.Sign("msg_1", 1_700_000_000, "{}", [first]));
    }
}
