using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RosterSync.Domain.Export;
using RosterSync.Domain.Model;

namespace RosterSync.Domain.Persistence.Configurations;

internal static class JsonColumn
{
    /// <summary>A list stored as one jsonb value, compared by its JSON so that changing an element is saved.</summary>
    public static void IsJsonList<T>(this PropertyBuilder<List<T>> property) =>
        property.HasColumnType("jsonb").HasConversion(
            v => JsonSerializer.Serialize(v, JsonSerializerOptions.Web),
            s => JsonSerializer.Deserialize<List<T>>(s, JsonSerializerOptions.Web) ?? new List<T>(),
            new ValueComparer<List<T>>(
                (a, b) => JsonSerializer.Serialize(a, JsonSerializerOptions.Web) == JsonSerializer.Serialize(b, JsonSerializerOptions.Web),
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Web).GetHashCode(StringComparison.Ordinal),
                v => JsonSerializer.Deserialize<List<T>>(JsonSerializer.Serialize(v, JsonSerializerOptions.Web), JsonSerializerOptions.Web)!));
}

internal sealed class RegistrationConfiguration : IEntityTypeConfiguration<Registration>
{
    public void Configure(EntityTypeBuilder<Registration> b)
    {
        b.HasOne<District>().WithMany().HasForeignKey(r => r.DistrictId);
        b.HasOne<School>().WithMany().HasForeignKey(r => r.SchoolId);
        b.HasOne<Person>().WithMany().HasForeignKey(r => r.PersonId);
        b.Property(r => r.Answers).HasColumnType("jsonb");
        b.Property(r => r.ExportError).HasColumnType("jsonb");
        b.Property(r => r.Status).HasMaxLength(20);
        b.Property(r => r.Grade).HasMaxLength(10);
        // Lists filter by district and status, school or grade, newest first by id.
        b.HasIndex(r => new { r.DistrictId, r.Status, r.Id });
        b.HasIndex(r => new { r.DistrictId, r.SchoolId, r.Id });
        b.HasRowVersion();
    }
}

internal sealed class ExportConnectionConfiguration : IEntityTypeConfiguration<ExportConnection>
{
    public void Configure(EntityTypeBuilder<ExportConnection> b)
    {
        b.HasOne<District>().WithMany().HasForeignKey(c => c.DistrictId);
        b.HasIndex(c => c.DistrictId);
        b.Property(c => c.Name).HasMaxLength(200);
        b.Property(c => c.Operations).IsJsonList<TargetOperation>();
        b.Property(c => c.TargetFields).IsJsonList<TargetField>();
        b.Property(c => c.Mappings).IsJsonList<FieldMapping>();
        b.Property(c => c.LastTestAnswer).HasColumnType("jsonb");
        b.HasRowVersion();
    }
}

internal sealed class ExportConnectionSchoolConfiguration : IEntityTypeConfiguration<ExportConnectionSchool>
{
    public void Configure(EntityTypeBuilder<ExportConnectionSchool> b)
    {
        // The school is the key: a school has at most one connection (SPEC §6).
        b.HasKey(s => s.SchoolId);
        b.HasOne<School>().WithMany().HasForeignKey(s => s.SchoolId);
        b.HasOne<District>().WithMany().HasForeignKey(s => s.DistrictId);
        b.HasOne<ExportConnection>().WithMany().HasForeignKey(s => s.ConnectionId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(s => s.ConnectionId);
    }
}

internal sealed class ExportRunItemConfiguration : IEntityTypeConfiguration<ExportRunItem>
{
    public void Configure(EntityTypeBuilder<ExportRunItem> b)
    {
        // No foreign key to sync_runs: the items are written in the transaction that queues the run, before its row (RunStarter).
        b.HasKey(i => new { i.RunId, i.RegistrationId });
        b.HasOne<Registration>().WithMany().HasForeignKey(i => i.RegistrationId);
        b.Property(i => i.Error).HasColumnType("jsonb");
        b.HasIndex(i => i.RegistrationId);
    }
}

internal sealed class ExportRunRequestConfiguration : IEntityTypeConfiguration<ExportRunRequest>
{
    public void Configure(EntityTypeBuilder<ExportRunRequest> b)
    {
        // Like the items, written before the run's row in the same transaction: no foreign key.
        b.HasKey(r => r.RunId);
    }
}
