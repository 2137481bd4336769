using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RosterSync.Domain.Model;

namespace RosterSync.Domain.Persistence.Configurations;

internal static class RowVersionMapping
{
    /// <summary>Maps xmin read-only; no column is created and no update is checked against it, so runs never conflict with it.</summary>
    public static void HasRowVersion<T>(this EntityTypeBuilder<T> b) where T : class =>
        b.Property<uint>(RowVersion.Property).HasColumnName(RowVersion.Property).HasColumnType("xid").ValueGeneratedOnAddOrUpdate();
}

internal sealed class ManualChangeConfiguration : IEntityTypeConfiguration<ManualChange>
{
    public void Configure(EntityTypeBuilder<ManualChange> b)
    {
        b.HasOne<District>().WithMany().HasForeignKey(c => c.DistrictId);
        b.HasIndex(c => new { c.DistrictId, c.RecordId, c.Id });
        b.HasIndex(c => new { c.DistrictId, c.Seq }).IsUnique().HasFilter("seq IS NOT NULL");
    }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> b)
    {
        b.HasKey(r => new { r.Scope, r.Key });
        b.Property(r => r.Key).HasMaxLength(200);
        b.HasIndex(r => r.CreatedAt);
    }
}
