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
