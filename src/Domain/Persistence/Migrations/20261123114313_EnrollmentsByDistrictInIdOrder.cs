using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RosterSync.Domain.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class EnrollmentsByDistrictInIdOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_enrollments_district_id",
                table: "enrollments");

            migrationBuilder.CreateIndex(
                name: "ix_enrollments_district_id_id",
                table: "enrollments",
                columns: new[] { "district_id", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_enrollments_district_id_id",
                table: "enrollments");

            migrationBuilder.CreateIndex(
                name: "ix_enrollments_district_id",
                table: "enrollments",
                column: "district_id");
        }
    }
}
