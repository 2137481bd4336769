using Microsoft.EntityFrameworkCore;
using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;

namespace RosterSync.TestSupport;

/// <summary>
/// A fresh PostgreSQL database per fixture, copied from a template that is migrated once per test
/// process (CREATE DATABASE … TEMPLATE is far faster than migrating every time). Dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private static string? _templateName;

    public required string Name { get; init; }
    public required string ConnectionString { get; init; }
    public required NpgsqlDataSource DataSource { get; init; }

    public RosterDbContext CreateDbContext() =>
        new(new DbContextOptionsBuilder<RosterDbContext>().UseNpgsql(DataSource).Options);

    /// <summary>A new district (its link partitions made by the districts trigger); returns its id.</summary>
    public async Task<Guid> NewDistrictAsync(string name)
    {
        var districtId = Guid.NewGuid();
        await using var db = CreateDbContext();
        db.Districts.Add(new District { Id = districtId, Name = name, CreatedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
        return districtId;
    }

    public static async Task<TestDatabase> CreateAsync()
    {
        var server = await TestServices.Postgres.Value;
        var template = await EnsureTemplateAsync(server);
        var name = $"rs_test_{Guid.NewGuid():N}";
        await ExecuteAsync(server, $"CREATE DATABASE {name} TEMPLATE {template}");
        var connectionString = WithDatabase(server, name);
        return new TestDatabase
        {
            Name = name,
            ConnectionString = connectionString,
            DataSource = NpgsqlDataSource.Create(connectionString),
        };
    }

    /// <summary>A database without any schema, for tests of migrating itself.</summary>
    public static async Task<TestDatabase> CreateEmptyAsync()
    {
        var server = await TestServices.Postgres.Value;
        var name = $"rs_empty_{Guid.NewGuid():N}";
        await ExecuteAsync(server, $"CREATE DATABASE {name}");
        var connectionString = WithDatabase(server, name);
        return new TestDatabase { Name = name, ConnectionString = connectionString, DataSource = NpgsqlDataSource.Create(connectionString) };
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(await TestServices.Postgres.Value, $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }

    private static async Task<string> EnsureTemplateAsync(string server)
    {
        await TemplateLock.WaitAsync();
        try
        {
            if (_templateName is not null) return _templateName;
            var name = $"rs_template_{Guid.NewGuid():N}";
            await ExecuteAsync(server, $"CREATE DATABASE {name}");
            var options = new DbContextOptionsBuilder<RosterDbContext>().UseNpgsql(WithDatabase(server, name)).Options;
            await using (var db = new RosterDbContext(options))
                await db.Database.MigrateAsync();
            NpgsqlConnection.ClearAllPools();
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                ExecuteAsync(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)").GetAwaiter().GetResult();
            return _templateName = name;
        }
        finally
        {
            TemplateLock.Release();
        }
    }

    private static string WithDatabase(string server, string database) =>
        new NpgsqlConnectionStringBuilder(server) { Database = database, Pooling = true }.ConnectionString;

    private static async Task ExecuteAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(WithDatabase(server, "postgres") + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
