using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace RosterSync.Domain.Persistence;

/// <summary>Lets `dotnet ef migrations add` build the model without a host or a live database.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<RosterDbContext>
{
    public RosterDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<RosterDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
