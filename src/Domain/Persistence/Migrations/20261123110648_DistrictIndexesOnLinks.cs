using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RosterSync.Domain.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class DistrictIndexesOnLinks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_guardian_links_district_id",
                table: "guardian_links",
                column: "district_id");

            migrationBuilder.CreateIndex(
                name: "ix_enrollments_district_id",
                table: "enrollments",
                column: "district_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_guardian_links_district_id",
                table: "guardian_links");

            migrationBuilder.DropIndex(
                name: "ix_enrollments_district_id",
                table: "enrollments");
        }
    }
}
