using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RosterSync.Domain.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RunChangesJournalWithoutForeignKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_run_changes_sync_runs_run_id",
                table: "run_changes");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddForeignKey(
                name: "fk_run_changes_sync_runs_run_id",
                table: "run_changes",
                column: "run_id",
                principalTable: "sync_runs",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);
        }
    }
}
