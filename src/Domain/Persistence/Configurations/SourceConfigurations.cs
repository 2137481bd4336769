using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RosterSync.Domain.Model;

namespace RosterSync.Domain.Persistence.Configurations;

internal sealed class SftpProcessedFileConfiguration : IEntityTypeConfiguration<SftpProcessedFile>
{
    public void Configure(EntityTypeBuilder<SftpProcessedFile> b)
    {
        b.ToTable("SftpProcessedFiles");
        b.HasKey(f => new { f.DistrictId, f.FileName, f.Size, f.ModifiedAt });
        b.Property(f => f.FileName).HasMaxLength(1024);
        b.HasOne<District>().WithMany().HasForeignKey(f => f.DistrictId);
        b.HasOne<SyncRun>().WithMany().HasForeignKey(f => f.RunId);
        b.HasIndex(f => f.RunId);
    }
}

internal sealed class ScheduleFireConfiguration : IEntityTypeConfiguration<ScheduleFire>
{
    public void Configure(EntityTypeBuilder<ScheduleFire> b)
    {
        b.HasKey(f => new { f.DistrictId, f.DueAt, f.Attempt });
        b.HasOne<District>().WithMany().HasForeignKey(f => f.DistrictId);
        b.HasOne<SyncRun>().WithMany().HasForeignKey(f => f.RunId);
        // The Worker looks at the recent fires of every district for retries.
        b.HasIndex(f => f.DueAt);
    }
}
