using Microsoft.EntityFrameworkCore;
using RosterSync.Domain.Events;
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
    public DbSet<RunEvent> RunEvents => Set<RunEvent>();
    public DbSet<EventSequence> EventSequences => Set<EventSequence>();
    public DbSet<WebhookSubscription> WebhookSubscriptions => Set<WebhookSubscription>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();
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

    /// <summary>
    /// Issue 12: a person edited here, or one of its enrollments, memberships or guardian links, loses its sync fingerprint, so the
    /// next sync plans it instead of taking its unchanged source rows for unchanged. (The Worker writes through COPY, not here.)
    /// </summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        var touched = new HashSet<Guid>();
        foreach (var entry in ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified)) continue;
            switch (entry.Entity)
            {
                case Person person when entry.State == EntityState.Modified: person.SyncFingerprint = null; break;
                case Enrollment e: touched.Add(e.PersonId); break;
                case Membership m: touched.Add(m.PersonId); break;
                case GuardianLink g: touched.Add(g.GuardianId); touched.Add(g.StudentId); break;
            }
        }
        if (touched.Count > 0)
            await People.Where(p => touched.Contains(p.Id) && p.SyncFingerprint != null)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.SyncFingerprint, (long?)null), cancellationToken);
        return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }
}
