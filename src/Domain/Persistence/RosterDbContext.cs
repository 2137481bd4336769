using Microsoft.EntityFrameworkCore;
using RosterSync.Domain.Export;
using RosterSync.Domain.Model;

namespace RosterSync.Domain.Persistence;

public sealed class RosterDbContext(DbContextOptions<RosterDbContext> options) : DbContext(options)
{
    public DbSet<District> Districts => Set<District>();
    public DbSet<School> Schools => Set<School>();
    public DbSet<Person> People => Set<Person>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<GuardianLink> GuardianLinks => Set<GuardianLink>();
    public DbSet<Class> Classes => Set<Class>();
    public DbSet<Enrollment> Enrollments => Set<Enrollment>();
    public DbSet<AcademicSession> AcademicSessions => Set<AcademicSession>();
    public DbSet<Course> Courses => Set<Course>();
    public DbSet<SyncRun> SyncRuns => Set<SyncRun>();
    public DbSet<ScheduleFire> ScheduleFires => Set<ScheduleFire>();
    public DbSet<RunChange> RunChanges => Set<RunChange>();
    public DbSet<RunIssue> RunIssues => Set<RunIssue>();
    public DbSet<SyncSettingsRow> SyncSettings => Set<SyncSettingsRow>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Upload> Uploads => Set<Upload>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<ManualChange> ManualChanges => Set<ManualChange>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<Registration> Registrations => Set<Registration>();
    public DbSet<ExportConnection> ExportConnections => Set<ExportConnection>();
    public DbSet<ExportConnectionSchool> ExportConnectionSchools => Set<ExportConnectionSchool>();
    public DbSet<ExportRunItem> ExportRunItems => Set<ExportRunItem>();
    public DbSet<ExportRunRequest> ExportRunRequests => Set<ExportRunRequest>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(RosterDbContext).Assembly);
        SnakeCaseNames.Apply(modelBuilder);
    }
}
