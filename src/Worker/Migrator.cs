using Microsoft.EntityFrameworkCore;
using RosterSync.Domain.Persistence;

namespace RosterSync.Worker;

internal static class Migrator
{
    /// <summary>Any fixed number, the same in every replica: the PostgreSQL advisory lock the migrate step holds.</summary>
    private const long MigrationLock = 0x526f737465724d67; // "RosterMg"

    /// <summary>
    /// Applies pending migrations and exits. EF Core's own migration lock did not stop two replicas on an empty
    /// database from applying the same migration (MigrationTests shows the second one failing), so the whole step
    /// runs under one session-level advisory lock: the second replica waits, then finds nothing pending.
    /// </summary>
    public static async Task MigrateAsync(HostApplicationBuilder builder)
    {
        builder.Services.AddRosterDb(builder.Configuration.GetConnectionString(PersistenceExtensions.ConnectionName));
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILogger<RosterDbContext>>();
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosterDbContext>();
        await db.Database.OpenConnectionAsync();
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({MigrationLock})");
        try
        {
            var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
            logger.LogInformation("Applying {Count} pending migrations", pending.Count);
            await db.Database.MigrateAsync();
            logger.LogInformation("Database schema is up to date");
        }
        finally
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLock})");
        }
    }
}
