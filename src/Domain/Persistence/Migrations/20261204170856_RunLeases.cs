using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RosterSync.Domain.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RunLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "lease_expires_at",
                table: "sync_runs",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "lease_owner",
                table: "sync_runs",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "takeovers",
                table: "sync_runs",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "lease_expires_at",
                table: "sync_runs");

            migrationBuilder.DropColumn(
                name: "lease_owner",
                table: "sync_runs");

            migrationBuilder.DropColumn(
                name: "takeovers",
                table: "sync_runs");
        }
    }
}
