using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RosterSync.Domain.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ExportRunEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // SPEC §9: an export run's outcome (partially-succeeded included) is a run event too; the feed names it export.run.*.
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS sync_runs_journal ON sync_runs;
                CREATE TRIGGER sync_runs_journal AFTER UPDATE OF status ON sync_runs
                    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NOT NEW.dry_run
                                       AND NEW.status IN ('succeeded', 'partially-succeeded', 'failed', 'awaiting-approval', 'cancelled'))
                    EXECUTE FUNCTION sync_runs_journal();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS sync_runs_journal ON sync_runs;
                CREATE TRIGGER sync_runs_journal AFTER UPDATE OF status ON sync_runs
                    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NOT NEW.dry_run
                                       AND NEW.status IN ('succeeded', 'failed', 'awaiting-approval', 'cancelled'))
                    EXECUTE FUNCTION sync_runs_journal();
                """);
        }
    }
}
