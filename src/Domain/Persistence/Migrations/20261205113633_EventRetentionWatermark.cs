using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RosterSync.Domain.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class EventRetentionWatermark : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "expired_seq",
                table: "event_sequences",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateIndex(
                name: "ix_webhook_deliveries_finished_at",
                table: "webhook_deliveries",
                column: "finished_at",
                filter: "status <> 'pending'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_webhook_deliveries_finished_at",
                table: "webhook_deliveries");

            migrationBuilder.DropColumn(
                name: "expired_seq",
                table: "event_sequences");
        }
    }
}
