using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.Http;

/// <summary>How long an Idempotency-Key is remembered (configuration section <c>Idempotency</c>).</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>A repeat within this time replays the first answer; after it the key is free again (24 h, as payment APIs keep them).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A key still "in progress" after this long is free again: its request ended without recording its outcome (PostgreSQL
    /// went away before the failed attempt could release the key). The body is read and hashed before the key is reserved,
    /// so only the handler's own work falls in this time, which takes seconds.
    /// </summary>
    public TimeSpan InProgressTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often each Api replica deletes expired keys; replicas doing it at once is harmless.</summary>
    public TimeSpan PurgeEvery { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Deletes Idempotency-Key records past their retention, so the table holds about one day of creating POSTs.</summary>
public sealed partial class IdempotencyPurge(IServiceScopeFactory scopes, IOptions<IdempotencyOptions> options, ILogger<IdempotencyPurge> logger)
    : BackgroundService
{
    public static Task<int> PurgeAsync(RosterDbContext db, TimeSpan retention, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var before = DateTimeOffset.UtcNow - retention;
        return db.IdempotencyRecords.Where(r => r.CreatedAt < before).ExecuteDeleteAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PurgeEvery);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var deleted = await PurgeAsync(scope.ServiceProvider.GetRequiredService<RosterDbContext>(), options.Value.Retention, stoppingToken);
                if (deleted > 0) LogPurged(deleted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The next tick tries again; expired keys are also ignored on lookup (Idempotency).
                LogFailed(e);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(LogLevel.Information, "Deleted {Count} expired Idempotency-Key records")]
    private partial void LogPurged(int count);

    [LoggerMessage(LogLevel.Warning, "Deleting expired Idempotency-Key records failed")]
    private partial void LogFailed(Exception exception);
}
