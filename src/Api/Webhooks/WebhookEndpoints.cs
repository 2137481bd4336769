using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RosterSync.Api.Auth;
using RosterSync.Api.Http;
using RosterSync.Domain;
using RosterSync.Domain.Events;
using RosterSync.Domain.Persistence;
using RosterSync.ServiceDefaults;

namespace RosterSync.Api.Webhooks;

public sealed record DeliveryQuery(
    [property: OneOf(nameof(Vocabularies.DeliveryStatus))] string? Status,
    [property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

public sealed record WebhookQuery([property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

/// <summary>Webhook subscriptions, their delivery log and redelivery (SPEC §9); delivery itself runs in the Worker.</summary>
public static class WebhookEndpoints
{
    private static readonly TimeSpan RotationOverlap = TimeSpan.FromHours(24);
    private static readonly RecordOf Webhook = new(RecordKinds.Webhook);

    public static RouteGroupBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/api/v1/districts/{districtId:guid}/webhooks").WithTags("Webhooks");
        hooks.MapPost("/", Create).RequireScope(Scopes.SettingsWrite).WithIdempotency().WithName("CreateWebhook")
            .WithSummary("Subscribe a URL to the district's events; the signing secret is in this answer only");
        hooks.MapGet("/", List).RequireScope(Scopes.SettingsWrite).WithName("ListWebhooks");
        hooks.MapGet("/{id:guid}", async Task<Results<Ok<WebhookDto>, ProblemHttpResult>> (Guid districtId, Guid id, RosterDbContext db, CancellationToken ct) =>
            await Find(db, districtId, id, ct) is { } hook ? TypedResults.Ok(WebhookDto.From(hook)) : Problems.NotFound())
            .RequireScope(Scopes.SettingsWrite, Webhook).WithName("GetWebhook");
        hooks.MapPatch("/{id:guid}", Patch).RequireScope(Scopes.SettingsWrite, Webhook).WithName("UpdateWebhook");
        hooks.MapDelete("/{id:guid}", async Task<NoContent> (Guid districtId, Guid id, RosterDbContext db, CancellationToken ct) =>
        {
            await db.WebhookSubscriptions.Where(s => s.DistrictId == districtId && s.Id == id).ExecuteDeleteAsync(ct);
            return TypedResults.NoContent();
        }).RequireScope(Scopes.SettingsWrite, Webhook).WithName("DeleteWebhook").WithSummary("Unsubscribe; its pending deliveries and log go with it");
        hooks.MapPost("/{id:guid}/rotate-secret", RotateSecret).RequireScope(Scopes.SettingsWrite, Webhook).WithName("RotateWebhookSecret")
            .WithSummary("A new signing secret, shown once; the old one keeps signing beside it for 24 hours");
        hooks.MapGet("/{id:guid}/deliveries", ListDeliveries).RequireScope(Scopes.SettingsWrite, Webhook).WithName("ListWebhookDeliveries")
            .WithSummary("The delivery log, newest first");
        hooks.MapGet("/{id:guid}/deliveries/{deliveryId:guid}", GetDelivery).RequireScope(Scopes.SettingsWrite, Webhook).WithName("GetWebhookDelivery");
        hooks.MapPost("/{id:guid}/deliveries/{deliveryId:guid}/redeliver", Redeliver).RequireScope(Scopes.SettingsWrite, Webhook)
            .WithName("RedeliverWebhookDelivery").ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.DeliveryPending)
            .WithSummary("Send a finished delivery again, as a new delivery with the same webhook-id and body");
        return hooks;
    }

    private static async Task<Results<Created<WebhookWithSecret>, ValidationProblem>> Create(
        Guid districtId, CreateWebhook request, RosterDbContext db, SecretProtector protector, IOptions<WebhookOptions> options,
        ILogger<WebhookSubscription> logger, CancellationToken ct)
    {
        if (Validate(request.Url, request.EventTypes, options.Value) is { } invalid) return invalid;
        var secret = WebhookSignature.NewSecret();
        var now = DateTimeOffset.UtcNow;
        // Events from now on: a new subscriber reads the roster (or the feed) for what came before.
        var head = await db.EventSequences.Where(s => s.DistrictId == districtId).Select(s => (long?)s.LastSeq).SingleOrDefaultAsync(ct) ?? 0;
        var hook = new WebhookSubscription
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, Url = request.Url, EventTypes = [.. (request.EventTypes ?? []).Distinct()],
            Secret = Protect(protector, secret), FeedSeq = head, CreatedAt = now, UpdatedAt = now,
        };
        db.WebhookSubscriptions.Add(hook);
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Webhook {WebhookId} of district {DistrictId} created", hook.Id, districtId);
        return TypedResults.Created($"/api/v1/districts/{districtId}/webhooks/{hook.Id}", new WebhookWithSecret(WebhookDto.From(hook), secret));
    }

    private static async Task<Results<Ok<Page<WebhookDto>>, ValidationProblem>> List(
        Guid districtId, [AsParameters] WebhookQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out Guid? after)) return Cursor.Invalid();
        var rows = await db.WebhookSubscriptions.AsNoTracking()
            .Where(s => s.DistrictId == districtId && (after == null || s.Id > after)).OrderBy(s => s.Id).TakePage(query).ToListAsync(ct);
        return TypedResults.Ok(Page.From(rows.Select(WebhookDto.From).ToList(), query.LimitOf(), s => cursor.Of(s.Id)));
    }

    private static async Task<Results<Ok<WebhookDto>, ValidationProblem, ProblemHttpResult>> Patch(
        Guid districtId, Guid id, WebhookPatch patch, RosterDbContext db, IOptions<WebhookOptions> options, CancellationToken ct)
    {
        if (await Find(db, districtId, id, ct) is not { } hook) return Problems.NotFound();
        if (Validate(patch.Url ?? hook.Url, patch.EventTypes ?? hook.EventTypes, options.Value) is { } invalid) return invalid;
        hook.Url = patch.Url ?? hook.Url;
        hook.EventTypes = patch.EventTypes is { } types ? [.. types.Distinct()] : hook.EventTypes;
        if (patch.Enabled is { } enabled)
        {
            hook.Enabled = enabled;
            hook.DisabledReason = enabled ? null : hook.DisabledReason;
        }
        hook.UpdatedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(WebhookDto.From(hook));
    }

    private static async Task<Results<Ok<WebhookWithSecret>, ProblemHttpResult>> RotateSecret(
        Guid districtId, Guid id, RosterDbContext db, SecretProtector protector, ILogger<WebhookSubscription> logger, CancellationToken ct)
    {
        if (await Find(db, districtId, id, ct) is not { } hook) return Problems.NotFound();
        var secret = WebhookSignature.NewSecret();
        var now = DateTimeOffset.UtcNow;
        hook.PreviousSecret = hook.Secret;
        hook.PreviousSecretExpiresAt = now + RotationOverlap;
        hook.Secret = Protect(protector, secret);
        hook.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Webhook {WebhookId} of district {DistrictId}: secret rotated", hook.Id, districtId);
        return TypedResults.Ok(new WebhookWithSecret(WebhookDto.From(hook), secret));
    }

    private static async Task<Results<Ok<Page<DeliveryDto>>, ValidationProblem>> ListDeliveries(
        Guid districtId, Guid id, [AsParameters] DeliveryQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out Guid? before)) return Cursor.Invalid();
        var rows = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.SubscriptionId == id && d.DistrictId == districtId && (query.Status == null || d.Status == query.Status) && (before == null || d.Id < before))
            .OrderByDescending(d => d.Id).TakePage(query).ToListAsync(ct);
        return TypedResults.Ok(Page.From(rows.Select(d => DtoOf(d, null)).ToList(), query.LimitOf(), d => cursor.Of(d.Id)));
    }

    private static async Task<Results<Ok<DeliveryDto>, ProblemHttpResult>> GetDelivery(
        Guid districtId, Guid id, Guid deliveryId, RosterDbContext db, CancellationToken ct)
    {
        var delivery = await db.WebhookDeliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == deliveryId && d.SubscriptionId == id && d.DistrictId == districtId, ct);
        if (delivery is null) return Problems.NotFound();
        var attempts = await db.WebhookAttempts.AsNoTracking().Where(a => a.DeliveryId == deliveryId).OrderBy(a => a.Number)
            .Select(a => new AttemptDto(a.Number, a.At, a.StatusCode, a.DurationMs, a.Error)).ToListAsync(ct);
        return TypedResults.Ok(DtoOf(delivery, attempts));
    }

    private static async Task<Results<Accepted<DeliveryDto>, ProblemHttpResult>> Redeliver(
        Guid districtId, Guid id, Guid deliveryId, RosterDbContext db, CancellationToken ct)
    {
        var original = await db.WebhookDeliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == deliveryId && d.SubscriptionId == id && d.DistrictId == districtId, ct);
        if (original is null) return Problems.NotFound();
        if (original.Status == DeliveryStatus.Pending)
            return Problems.Conflict(ProblemTypes.DeliveryPending, "This delivery is still being sent", "Redeliver a delivery once it succeeded or failed.");
        var now = DateTimeOffset.UtcNow;
        var again = new WebhookDelivery
        {
            Id = Guid.CreateVersion7(), SubscriptionId = id, DistrictId = districtId, MessageId = original.MessageId, Body = original.Body,
            EventCount = original.EventCount, NextAttemptAt = now, CreatedAt = now, RedeliveryOf = original.Id,
        };
        db.WebhookDeliveries.Add(again);
        await db.SaveChangesAsync(ct);
        return TypedResults.Accepted($"/api/v1/districts/{districtId}/webhooks/{id}/deliveries/{again.Id}", DtoOf(again, null));
    }

    private static Task<WebhookSubscription?> Find(RosterDbContext db, Guid districtId, Guid id, CancellationToken ct) =>
        db.WebhookSubscriptions.SingleOrDefaultAsync(s => s.DistrictId == districtId && s.Id == id, ct);

    private static ValidationProblem? Validate(string url, IReadOnlyList<string>? eventTypes, WebhookOptions options)
    {
        var errors = new Dictionary<string, string[]>();
        if (TargetUrlRules.Check(url, options.AllowPrivateTargets) is { } urlError) errors["url"] = [urlError];
        if (eventTypes?.FirstOrDefault(t => !EventTypes.IsPattern(t)) is { } unknown)
            errors["eventTypes"] = [$"'{unknown}' is not an event type: one of {string.Join(", ", EventTypes.All)}, an entity's 'person.*', 'sync.run.*' or '*'."];
        return errors.Count == 0 ? null : Problems.Invalid(errors);
    }

    private static string Protect(SecretProtector protector, string secret) =>
        protector.Protect(new Dictionary<string, string> { [WebhookSignature.StoredKey] = secret });

    private static DeliveryDto DtoOf(WebhookDelivery d, IReadOnlyList<AttemptDto>? attempts) =>
        new(d.Id, d.MessageId, d.Status, d.EventCount, d.Attempts, d.CreatedAt, d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null,
            d.FinishedAt, d.LastStatusCode, d.LastError, d.RedeliveryOf, attempts);
}
