using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using RosterSync.TestSupport;

namespace RosterSync.Worker.Tests;

/// <summary>Issue 3: migrations run as their own step (`RosterSync.Worker --migrate`), safe when two replicas start at once.</summary>
public class MigrationTests
{
    [Fact]
    public async Task Two_migrate_steps_started_at_once_on_an_empty_database_both_succeed_and_apply_each_migration_once()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        var worker = typeof(Extensions).Assembly.Location;

        var exits = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => MigrateAsync(worker, database.ConnectionString)));

        Assert.All(exits, e => Assert.True(e.Code == 0, e.Output));
        await using var db = database.CreateDbContext();
        var applied = (await db.Database.GetAppliedMigrationsAsync()).ToList();
        Assert.Equal(db.Database.GetMigrations(), applied);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    private static async Task<(int Code, string Output)> MigrateAsync(string workerDll, string connectionString)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(workerDll);
        start.ArgumentList.Add("--migrate");
        start.Environment["ConnectionStrings__Roster"] = connectionString;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
