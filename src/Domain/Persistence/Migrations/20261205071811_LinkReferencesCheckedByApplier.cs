using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RosterSync.Domain.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class LinkReferencesCheckedByApplier : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_enrollments_classes_class_id",
                table: "enrollments");

            migrationBuilder.DropForeignKey(
                name: "fk_enrollments_people_person_id",
                table: "enrollments");

            migrationBuilder.DropForeignKey(
                name: "fk_guardian_links_people_guardian_id",
                table: "guardian_links");

            migrationBuilder.DropForeignKey(
                name: "fk_guardian_links_people_student_id",
                table: "guardian_links");

            migrationBuilder.DropForeignKey(
                name: "fk_memberships_people_person_id",
                table: "memberships");

            migrationBuilder.DropForeignKey(
                name: "fk_memberships_schools_school_id",
                table: "memberships");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddForeignKey(
                name: "fk_enrollments_classes_class_id",
                table: "enrollments",
                column: "class_id",
                principalTable: "classes",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_enrollments_people_person_id",
                table: "enrollments",
                column: "person_id",
                principalTable: "people",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_guardian_links_people_guardian_id",
                table: "guardian_links",
                column: "guardian_id",
                principalTable: "people",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_guardian_links_people_student_id",
                table: "guardian_links",
                column: "student_id",
                principalTable: "people",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_memberships_people_person_id",
                table: "memberships",
                column: "person_id",
                principalTable: "people",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_memberships_schools_school_id",
                table: "memberships",
                column: "school_id",
                principalTable: "schools",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);
        }
    }
}
