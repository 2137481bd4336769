using Npgsql;
using RosterSync.TestSupport;

namespace RosterSync.Fault.Tests;

/// <summary>The proxy itself, against the real PostgreSQL: forwards, cuts open and new connections, restores.</summary>
public sealed class TcpFaultProxyTests
{
    [Fact]
    public async Task Forwards_then_cut_fails_open_and_new_connections_then_restore_forwards_again()
    {
        var server = new NpgsqlConnectionStringBuilder(await TestServices.Postgres.Value);
        await using var proxy = new TcpFaultProxy(server.Host!, server.Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Pooling = false, Timeout = 60 }.ConnectionString;

        await using var open = new NpgsqlConnection(viaProxy);
        await open.OpenAsync();
        Assert.Equal(1, await ScalarAsync(open));

        await proxy.CutAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => ScalarAsync(open));
        await using (var refused = new NpgsqlConnection(viaProxy))
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => refused.OpenAsync());

        proxy.Restore();
        await using var again = new NpgsqlConnection(viaProxy);
        await again.OpenAsync();
        Assert.Equal(1, await ScalarAsync(again));
    }

    private static async Task<int> ScalarAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }
}
