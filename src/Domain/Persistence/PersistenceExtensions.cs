using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace RosterSync.Domain.Persistence;

public static class PersistenceExtensions
{
    public const string ConnectionName = "Roster";

    /// <summary>Registers one NpgsqlDataSource (for COPY and raw SQL) and the DbContext over it.</summary>
    public static IServiceCollection AddRosterDb(this IServiceCollection services, string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionName} is not set (environment variable ConnectionStrings__{ConnectionName}).");
        var dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
        services.AddSingleton(dataSource);
        services.AddDbContext<RosterDbContext>(o => o.UseNpgsql(dataSource));
        return services;
    }
}
