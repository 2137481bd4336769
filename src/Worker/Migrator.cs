using Microsoft.EntityFrameworkCore;
using RosterSync.Domain.Persistence;

namespace RosterSync.Worker;

internal static class Migrator
{
    /// <summary>
    /// Applies pending migrations and exits. EF Core takes a lock on the migrations history table, so
    /// two replicas migrating at once serialize instead of racing.
    /// </summary>
    public static async Task MigrateAsync(HostApplicationBuilder builder)
    {
        builder.Services.AddRosterDb(builder.Configuration.GetConnectionString(PersistenceExtensions.ConnectionName));
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILogger<RosterDbContext>>();
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosterDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
        logger.LogInformation("Applying {Count} pending migrations", pending.Count);
        await db.Database.MigrateAsync();
        logger.LogInformation("Database schema is up to date");
    }
}
