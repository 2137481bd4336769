using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace RosterSync.Domain.Persistence;

public static class PersistenceExtensions
{
    public const string ConnectionName = "Roster";

    /// <summary>Registers one NpgsqlDataSource (for COPY and raw SQL) and the DbContext over it.</summary>
    /// <param name="pooled">
    /// Contexts taken from a pool and reset between uses (the Api: every request uses one, and building one with its
    /// options per request was a third of the Api's CPU on GET people/{id}). RosterDbContext holds no state of its own.
    /// </param>
    public static IServiceCollection AddRosterDb(this IServiceCollection services, string? connectionString, bool pooled = false)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionName} is not set (environment variable ConnectionStrings__{ConnectionName}).");
        var dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
        services.AddSingleton(dataSource);
        if (pooled) services.AddDbContextPool<RosterDbContext>(o => o.UseNpgsql(dataSource));
        else services.AddDbContext<RosterDbContext>(o => o.UseNpgsql(dataSource));
        return services;
    }
}
