using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RosterSync.Domain.Model;

namespace RosterSync.Domain.Persistence.Configurations;

internal static class SourceLinkIndexes
{
    /// <summary>A source link identifies at most one record of a kind per district (SPEC §2).</summary>
    public static void HasSourceLinkIndexes<T>(this EntityTypeBuilder<T> b) where T : class, ISourceLinked
    {
        b.HasIndex("DistrictId", nameof(ISourceLinked.OneRosterId)).IsUnique().HasFilter("one_roster_id IS NOT NULL");
        b.HasIndex("DistrictId", nameof(ISourceLinked.CleverId)).IsUnique().HasFilter("clever_id IS NOT NULL");
        b.HasIndex("DistrictId", nameof(ISourceLinked.ClassLinkId)).IsUnique().HasFilter("class_link_id IS NOT NULL");
        b.HasIndex("DistrictId", nameof(ISourceLinked.SisId));
    }
}

internal static class DistrictPartitions
{
    /// <summary>
    /// Issue 12: the link tables are partitioned by district (migration DistrictPartitionsForLinks; docs/architecture.md), so every
    /// key and unique index leads with district_id, and EF's UPDATE and DELETE name the partition they touch.
    /// </summary>
    public static void PartitionedByDistrict<T>(this EntityTypeBuilder<T> b) where T : class, ILink =>
        b.HasKey(nameof(ILink.DistrictId), nameof(ILink.Id));
}

internal sealed class DistrictConfiguration : IEntityTypeConfiguration<District>
{
    public void Configure(EntityTypeBuilder<District> b) => b.Property(d => d.Name).HasMaxLength(200);
}

internal sealed class SchoolConfiguration : IEntityTypeConfiguration<School>
{
    public void Configure(EntityTypeBuilder<School> b)
    {
        b.HasOne<District>().WithMany().HasForeignKey(s => s.DistrictId);
        b.HasSourceLinkIndexes();
        b.HasRowVersion();
    }
}

internal sealed class PersonConfiguration : IEntityTypeConfiguration<Person>
{
    public void Configure(EntityTypeBuilder<Person> b)
    {
        b.HasOne<District>().WithMany().HasForeignKey(p => p.DistrictId);
        b.HasIndex(p => new { p.DistrictId, p.NormalizedEmail }).IsUnique().HasFilter("normalized_email IS NOT NULL");
        b.HasIndex(p => new { p.DistrictId, p.UpdatedAt, p.Id });
        b.HasIndex(p => new { p.DistrictId, p.Id });
        b.HasSourceLinkIndexes();
        b.HasRowVersion();
    }
}

internal sealed class MembershipConfiguration : IEntityTypeConfiguration<Membership>
{
    public void Configure(EntityTypeBuilder<Membership> b)
    {
        // No foreign keys on the link tables: the applier checks a run's references set-based (LinkReferences).
        b.PartitionedByDistrict();
        b.HasIndex(m => new { m.DistrictId, m.PersonId, m.SchoolId, m.Role }).IsUnique();
        b.HasIndex(m => new { m.DistrictId, m.SchoolId });
    }
}

internal sealed class GuardianLinkConfiguration : IEntityTypeConfiguration<GuardianLink>
{
    public void Configure(EntityTypeBuilder<GuardianLink> b)
    {
        // No foreign keys on the link tables: the applier checks a run's references set-based (LinkReferences).
        b.PartitionedByDistrict();
        b.HasIndex(g => new { g.DistrictId, g.GuardianId, g.StudentId }).IsUnique();
        b.HasIndex(g => new { g.DistrictId, g.StudentId });
    }
}

internal sealed class ClassConfiguration : IEntityTypeConfiguration<Class>
{
    public void Configure(EntityTypeBuilder<Class> b)
    {
        b.HasOne<District>().WithMany().HasForeignKey(c => c.DistrictId);
        b.HasOne<School>().WithMany().HasForeignKey(c => c.SchoolId);
        b.HasIndex(c => new { c.DistrictId, c.Id });
        b.HasSourceLinkIndexes();
        b.HasRowVersion();
    }
}

internal sealed class EnrollmentConfiguration : IEntityTypeConfiguration<Enrollment>
{
    public void Configure(EntityTypeBuilder<Enrollment> b)
    {
        // No foreign keys on the link tables: a first import writes millions of links, and the per-row check of a key
        // cost PostgreSQL as much as writing the rows (docs/benchmarks.md). The applier checks a run's references
        // set-based and within the district (LinkReferences); the Api checks the person and class it links; and no
        // code deletes people, schools or classes, so a reference once checked stays valid.
        // A run loads its district's enrollments (RosterStateLoader), and GET enrollments pages through them by id: the
        // primary key (district_id, id) serves both.
        b.PartitionedByDistrict();
        b.HasIndex(e => new { e.DistrictId, e.ClassId, e.PersonId, e.Role }).IsUnique();
        b.HasIndex(e => new { e.DistrictId, e.PersonId });
    }
}

internal sealed class AcademicSessionConfiguration : IEntityTypeConfiguration<AcademicSession>
{
    public void Configure(EntityTypeBuilder<AcademicSession> b) => b.HasSourceLinkIndexes();
}

internal sealed class CourseConfiguration : IEntityTypeConfiguration<Course>
{
    public void Configure(EntityTypeBuilder<Course> b) => b.HasSourceLinkIndexes();
}

internal sealed class SyncRunConfiguration : IEntityTypeConfiguration<SyncRun>
{
    public void Configure(EntityTypeBuilder<SyncRun> b)
    {
        b.HasOne<District>().WithMany().HasForeignKey(r => r.DistrictId);
        b.Property(r => r.Counts).HasColumnType("jsonb").HasConversion(
            c => JsonSerializer.Serialize(c, JsonSerializerOptions.Web),
            s => JsonSerializer.Deserialize<RunCounts>(s, JsonSerializerOptions.Web) ?? new RunCounts());
        // R25: one open run per district. The index makes the rule hold across Api replicas.
        b.HasIndex(r => r.DistrictId).IsUnique().HasFilter("status IN ('queued', 'running', 'awaiting-approval')")
            .HasDatabaseName("ux_sync_runs_one_open_per_district");
        b.HasIndex(r => new { r.DistrictId, r.QueuedAt });
        b.HasIndex(r => new { r.Status, r.PublishedAt });
        b.Property(r => r.TraceParent).HasMaxLength(55);
    }
}

internal sealed class RunChangeConfiguration : IEntityTypeConfiguration<RunChange>
{
    public void Configure(EntityTypeBuilder<RunChange> b)
    {
        // No foreign key to sync_runs: this is the run's append-only journal, written only by the applier for the run
        // it holds locked, and runs are never deleted. A first import writes millions of rows, and the per-row check
        // of the key was a third of the time PostgreSQL spent on them (docs/benchmarks.md).
        b.HasIndex(c => new { c.RunId, c.Id });
        b.HasIndex(c => new { c.DistrictId, c.RecordId });
    }
}

internal sealed class RunIssueConfiguration : IEntityTypeConfiguration<RunIssue>
{
    public void Configure(EntityTypeBuilder<RunIssue> b)
    {
        b.HasOne<SyncRun>().WithMany().HasForeignKey(i => i.RunId);
        b.HasIndex(i => new { i.RunId, i.Id });
    }
}

internal sealed class SyncSettingsConfiguration : IEntityTypeConfiguration<SyncSettingsRow>
{
    public void Configure(EntityTypeBuilder<SyncSettingsRow> b)
    {
        b.HasKey(s => s.DistrictId);
        b.HasOne<District>().WithMany().HasForeignKey(s => s.DistrictId);
        b.HasRowVersion();
        b.Property(s => s.Settings).HasColumnType("jsonb").HasConversion(
            s => JsonSerializer.Serialize(s, JsonSerializerOptions.Web),
            s => JsonSerializer.Deserialize<SyncSettings>(s, JsonSerializerOptions.Web) ?? SyncSettings.Default);
    }
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> b)
    {
        b.HasOne<District>().WithMany().HasForeignKey(k => k.DistrictId);
        b.HasIndex(k => k.KeyHash).IsUnique();
    }
}

internal sealed class UploadConfiguration : IEntityTypeConfiguration<Upload>
{
    public void Configure(EntityTypeBuilder<Upload> b) => b.HasOne<District>().WithMany().HasForeignKey(u => u.DistrictId);
}
