using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RosterSync.Domain.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ExportToSis : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "export_connections",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    base_url = table.Column<string>(type: "text", nullable: false),
                    auth_kind = table.Column<string>(type: "text", nullable: false),
                    token_url = table.Column<string>(type: "text", nullable: true),
                    client_id = table.Column<string>(type: "text", nullable: true),
                    encrypted_secrets = table.Column<string>(type: "text", nullable: true),
                    open_api_url = table.Column<string>(type: "text", nullable: false),
                    operations = table.Column<string>(type: "jsonb", nullable: false),
                    example_registration_id = table.Column<Guid>(type: "uuid", nullable: true),
                    target_fields = table.Column<string>(type: "jsonb", nullable: false),
                    target_fields_refreshed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    target_fields_problem = table.Column<string>(type: "text", nullable: true),
                    mappings = table.Column<string>(type: "jsonb", nullable: false),
                    last_test_answer = table.Column<string>(type: "jsonb", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_export_connections", x => x.id);
                    table.ForeignKey(
                        name: "fk_export_connections_districts_district_id",
                        column: x => x.district_id,
                        principalTable: "districts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "export_run_requests",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    force = table.Column<bool>(type: "boolean", nullable: false),
                    not_approved = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_export_run_requests", x => x.run_id);
                });

            migrationBuilder.CreateTable(
                name: "registrations",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    school_id = table.Column<Guid>(type: "uuid", nullable: false),
                    person_id = table.Column<Guid>(type: "uuid", nullable: true),
                    grade = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    answers = table.Column<string>(type: "jsonb", nullable: false),
                    export_status = table.Column<string>(type: "text", nullable: true),
                    sis_id = table.Column<string>(type: "text", nullable: true),
                    export_error = table.Column<string>(type: "jsonb", nullable: true),
                    sent_payload_hash = table.Column<string>(type: "text", nullable: true),
                    last_export_run_id = table.Column<Guid>(type: "uuid", nullable: true),
                    exported_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_registrations", x => x.id);
                    table.ForeignKey(
                        name: "fk_registrations_districts_district_id",
                        column: x => x.district_id,
                        principalTable: "districts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_registrations_people_person_id",
                        column: x => x.person_id,
                        principalTable: "people",
                        principalColumn: "id");
                    table.ForeignKey(
                        name: "fk_registrations_schools_school_id",
                        column: x => x.school_id,
                        principalTable: "schools",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "export_connection_schools",
                columns: table => new
                {
                    school_id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    connection_id = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_export_connection_schools", x => x.school_id);
                    table.ForeignKey(
                        name: "fk_export_connection_schools_districts_district_id",
                        column: x => x.district_id,
                        principalTable: "districts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_export_connection_schools_export_connections_connection_id",
                        column: x => x.connection_id,
                        principalTable: "export_connections",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_export_connection_schools_schools_school_id",
                        column: x => x.school_id,
                        principalTable: "schools",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "export_run_items",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    registration_id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    sis_id = table.Column<string>(type: "text", nullable: true),
                    error = table.Column<string>(type: "jsonb", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_export_run_items", x => new { x.run_id, x.registration_id });
                    table.ForeignKey(
                        name: "fk_export_run_items_registrations_registration_id",
                        column: x => x.registration_id,
                        principalTable: "registrations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_export_connection_schools_connection_id",
                table: "export_connection_schools",
                column: "connection_id");

            migrationBuilder.CreateIndex(
                name: "ix_export_connection_schools_district_id",
                table: "export_connection_schools",
                column: "district_id");

            migrationBuilder.CreateIndex(
                name: "ix_export_connections_district_id",
                table: "export_connections",
                column: "district_id");

            migrationBuilder.CreateIndex(
                name: "ix_export_run_items_registration_id",
                table: "export_run_items",
                column: "registration_id");

            migrationBuilder.CreateIndex(
                name: "ix_registrations_district_id_school_id_id",
                table: "registrations",
                columns: new[] { "district_id", "school_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_registrations_district_id_status_id",
                table: "registrations",
                columns: new[] { "district_id", "status", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_registrations_person_id",
                table: "registrations",
                column: "person_id");

            migrationBuilder.CreateIndex(
                name: "ix_registrations_school_id",
                table: "registrations",
                column: "school_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "export_connection_schools");

            migrationBuilder.DropTable(
                name: "export_run_items");

            migrationBuilder.DropTable(
                name: "export_run_requests");

            migrationBuilder.DropTable(
                name: "export_connections");

            migrationBuilder.DropTable(
                name: "registrations");
        }
    }
}
