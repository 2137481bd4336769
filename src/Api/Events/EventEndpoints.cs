using System.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.Api.Auth;
using RosterSync.Api.Http;
using RosterSync.Domain.Events;

namespace RosterSync.Api.Events;

/// <param name="After">An event's <c>id</c> or a page's <c>nextCursor</c>: the events after it. None: from the oldest event kept.</param>
/// <param name="Types">Comma-separated event types or patterns (<c>person.*</c>, <c>sync.run.*</c>); none: every type.</param>
public sealed record EventQuery(string? After, string? Types, [property: PageLimit] int? Limit);

/// <summary>A page of the feed. <c>nextCursor</c> is never null: poll with it; <c>hasMore</c> says another page is ready now.</summary>
public sealed record EventPage(IReadOnlyList<FeedEvent> Items, string NextCursor, bool HasMore);

public static class EventEndpoints
{
    public static RouteGroupBuilder MapEvents(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("/api/v1/districts/{districtId:guid}/events").WithTags("Events");
        events.MapGet("/", ListEvents).RequireScope(Scopes.EventsRead).WithName("ListEvents")
            .ProducesProblems(StatusCodes.Status410Gone, ProblemTypes.CursorExpired)
            .WithSummary("SPEC §9: the district's changes in commit order, from the change journal; 410 once a cursor is past retention")
            .WithDescription($"410 `{ProblemTypes.CursorExpired}`: events after the cursor are no longer kept. Read the roster again, then "
                + "continue from the problem's `headCursor` (taken before your re-read, so nothing is missed).");
        return events;
    }

    private static async Task<Results<Ok<EventPage>, ValidationProblem, ProblemHttpResult>> ListEvents(
        Guid districtId, [AsParameters] EventQuery query, NpgsqlDataSource dataSource, IOptions<EventFeedOptions> options, CancellationToken ct)
    {
        FeedPosition? after = null;
        if (query.After is not null)
        {
            if (!FeedPosition.TryParse(query.After, districtId, out var position))
                return Problems.Invalid("after", "Not a cursor of this district's feed: pass an event's id or a page's nextCursor.");
            after = position;
        }
        var types = (query.Types ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (types.FirstOrDefault(t => !EventTypes.IsPattern(t)) is { } unknown)
            return Problems.Invalid("types", $"'{unknown}' is not an event type: one of {string.Join(", ", EventTypes.All)}, an entity's 'person.*', 'sync.run.*' or '*'.");

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // One snapshot for the page: the entries and the runs' changes read together.
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        var head = await EventFeed.HeadAsync(connection, districtId, ct);
        var page = await EventFeed.ReadAsync(connection, districtId, after, types, query.Limit ?? Paging.DefaultLimit, options.Value, DateTimeOffset.UtcNow, ct);
        if (page is null)
            return TypedResults.Problem(type: ProblemTypes.CursorExpired, title: "This cursor is older than the feed keeps events",
                detail: $"Events after it were kept {options.Value.Retention.TotalDays:0.##} days and are gone. Read the roster again, then continue from headCursor.",
                statusCode: StatusCodes.Status410Gone, extensions: new Dictionary<string, object?> { ["headCursor"] = head.ToCursor(districtId) });
        return TypedResults.Ok(new EventPage(page.Events, page.Next.ToCursor(districtId), page.HasMore));
    }
}
