using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace RosterSync.Domain.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "academic_sessions",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    title = table.Column<string>(type: "text", nullable: false),
                    type = table.Column<string>(type: "text", nullable: true),
                    start_date = table.Column<DateOnly>(type: "date", nullable: true),
                    end_date = table.Column<DateOnly>(type: "date", nullable: true),
                    school_year = table.Column<string>(type: "text", nullable: true),
                    status = table.Column<string>(type: "text", nullable: false),
                    sis_id = table.Column<string>(type: "text", nullable: true),
                    one_roster_id = table.Column<string>(type: "text", nullable: true),
                    clever_id = table.Column<string>(type: "text", nullable: true),
                    class_link_id = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_academic_sessions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "courses",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    title = table.Column<string>(type: "text", nullable: false),
                    course_code = table.Column<string>(type: "text", nullable: true),
                    school_id = table.Column<Guid>(type: "uuid", nullable: true),
                    status = table.Column<string>(type: "text", nullable: false),
                    sis_id = table.Column<string>(type: "text", nullable: true),
                    one_roster_id = table.Column<string>(type: "text", nullable: true),
                    clever_id = table.Column<string>(type: "text", nullable: true),
                    class_link_id = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_courses", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "data_protection_keys",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    friendly_name = table.Column<string>(type: "text", nullable: true),
                    xml = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_data_protection_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "districts",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_districts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "api_keys",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    key_hash = table.Column<string>(type: "text", nullable: false),
                    scopes = table.Column<List<string>>(type: "text[]", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    revoked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_api_keys", x => x.id);
                    table.ForeignKey(
                        name: "fk_api_keys_districts_district_id",
                        column: x => x.district_id,
                        principalTable: "districts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "people",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    email = table.Column<string>(type: "text", nullable: true),
                    normalized_email = table.Column<string>(type: "text", nullable: true),
                    given_name = table.Column<string>(type: "text", nullable: true),
                    family_name = table.Column<string>(type: "text", nullable: true),
                    middle_name = table.Column<string>(type: "text", nullable: true),
                    roles = table.Column<List<string>>(type: "text[]", nullable: false),
                    grade = table.Column<string>(type: "text", nullable: true),
                    graduation_year = table.Column<int>(type: "integer", nullable: true),
                    sms = table.Column<string>(type: "text", nullable: true),
                    phone = table.Column<string>(type: "text", nullable: true),
                    language = table.Column<string>(type: "text", nullable: true),
                    room = table.Column<string>(type: "text", nullable: true),
                    status = table.Column<string>(type: "text", nullable: false),
                    origin = table.Column<string>(type: "text", nullable: false),
                    account_state = table.Column<string>(type: "text", nullable: false),
                    sis_id = table.Column<string>(type: "text", nullable: true),
                    one_roster_id = table.Column<string>(type: "text", nullable: true),
                    clever_id = table.Column<string>(type: "text", nullable: true),
                    class_link_id = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_people", x => x.id);
                    table.ForeignKey(
                        name: "fk_people_districts_district_id",
                        column: x => x.district_id,
                        principalTable: "districts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "schools",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    identifier = table.Column<string>(type: "text", nullable: true),
                    status = table.Column<string>(type: "text", nullable: false),
                    origin = table.Column<string>(type: "text", nullable: false),
                    sis_id = table.Column<string>(type: "text", nullable: true),
                    one_roster_id = table.Column<string>(type: "text", nullable: true),
                    clever_id = table.Column<string>(type: "text", nullable: true),
                    class_link_id = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_schools", x => x.id);
                    table.ForeignKey(
                        name: "fk_schools_districts_district_id",
                        column: x => x.district_id,
                        principalTable: "districts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "sync_runs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    trigger = table.Column<string>(type: "text", nullable: false),
                    dry_run = table.Column<bool>(type: "boolean", nullable: false),
                    reverts_run_id = table.Column<Guid>(type: "uuid", nullable: true),
                    source_kind = table.Column<string>(type: "text", nullable: false),
                    upload_id = table.Column<Guid>(type: "uuid", nullable: true),
                    phase = table.Column<string>(type: "text", nullable: true),
                    processed = table.Column<long>(type: "bigint", nullable: false),
                    total = table.Column<long>(type: "bigint", nullable: false),
                    counts = table.Column<string>(type: "jsonb", nullable: false),
                    issue_count = table.Column<int>(type: "integer", nullable: false),
                    error = table.Column<string>(type: "text", nullable: true),
                    approved = table.Column<bool>(type: "boolean", nullable: false),
                    queued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    published_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sync_runs", x => x.id);
                    table.ForeignKey(
                        name: "fk_sync_runs_districts_district_id",
                        column: x => x.district_id,
                        principalTable: "districts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "sync_settings",
                columns: table => new
                {
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    settings = table.Column<string>(type: "jsonb", nullable: false),
                    encrypted_secrets = table.Column<string>(type: "text", nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sync_settings", x => x.district_id);
                    table.ForeignKey(
                        name: "fk_sync_settings_districts_district_id",
                        column: x => x.district_id,
                        principalTable: "districts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "uploads",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    file_name = table.Column<string>(type: "text", nullable: false),
                    kind = table.Column<string>(type: "text", nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    content = table.Column<byte[]>(type: "bytea", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_uploads", x => x.id);
                    table.ForeignKey(
                        name: "fk_uploads_districts_district_id",
                        column: x => x.district_id,
                        principalTable: "districts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "guardian_links",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    guardian_id = table.Column<Guid>(type: "uuid", nullable: false),
                    student_id = table.Column<Guid>(type: "uuid", nullable: false),
                    relationship = table.Column<string>(type: "text", nullable: true),
                    origin = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ended_by_run_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_guardian_links", x => x.id);
                    table.ForeignKey(
                        name: "fk_guardian_links_people_guardian_id",
                        column: x => x.guardian_id,
                        principalTable: "people",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_guardian_links_people_student_id",
                        column: x => x.student_id,
                        principalTable: "people",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "classes",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    school_id = table.Column<Guid>(type: "uuid", nullable: true),
                    name = table.Column<string>(type: "text", nullable: false),
                    grade = table.Column<string>(type: "text", nullable: true),
                    subject = table.Column<string>(type: "text", nullable: true),
                    term_id = table.Column<Guid>(type: "uuid", nullable: true),
                    course_id = table.Column<Guid>(type: "uuid", nullable: true),
                    is_homeroom = table.Column<bool>(type: "boolean", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    origin = table.Column<string>(type: "text", nullable: false),
                    sis_id = table.Column<string>(type: "text", nullable: true),
                    one_roster_id = table.Column<string>(type: "text", nullable: true),
                    clever_id = table.Column<string>(type: "text", nullable: true),
                    class_link_id = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_classes", x => x.id);
                    table.ForeignKey(
                        name: "fk_classes_districts_district_id",
                        column: x => x.district_id,
                        principalTable: "districts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_classes_schools_school_id",
                        column: x => x.school_id,
                        principalTable: "schools",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "memberships",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    person_id = table.Column<Guid>(type: "uuid", nullable: false),
                    school_id = table.Column<Guid>(type: "uuid", nullable: false),
                    role = table.Column<string>(type: "text", nullable: false),
                    origin = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ended_by_run_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_memberships", x => x.id);
                    table.ForeignKey(
                        name: "fk_memberships_people_person_id",
                        column: x => x.person_id,
                        principalTable: "people",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_memberships_schools_school_id",
                        column: x => x.school_id,
                        principalTable: "schools",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "run_changes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    entity = table.Column<string>(type: "text", nullable: false),
                    record_id = table.Column<Guid>(type: "uuid", nullable: true),
                    source_id = table.Column<string>(type: "text", nullable: true),
                    action = table.Column<string>(type: "text", nullable: false),
                    field = table.Column<string>(type: "text", nullable: true),
                    before = table.Column<string>(type: "text", nullable: true),
                    after = table.Column<string>(type: "text", nullable: true),
                    rule = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_changes", x => x.id);
                    table.ForeignKey(
                        name: "fk_run_changes_sync_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "sync_runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "run_issues",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    severity = table.Column<string>(type: "text", nullable: false),
                    rule = table.Column<string>(type: "text", nullable: true),
                    entity = table.Column<string>(type: "text", nullable: true),
                    source_id = table.Column<string>(type: "text", nullable: true),
                    file = table.Column<string>(type: "text", nullable: true),
                    row = table.Column<int>(type: "integer", nullable: true),
                    message = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_issues", x => x.id);
                    table.ForeignKey(
                        name: "fk_run_issues_sync_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "sync_runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "enrollments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    district_id = table.Column<Guid>(type: "uuid", nullable: false),
                    class_id = table.Column<Guid>(type: "uuid", nullable: false),
                    person_id = table.Column<Guid>(type: "uuid", nullable: false),
                    role = table.Column<string>(type: "text", nullable: false),
                    origin = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ended_by_run_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_enrollments", x => x.id);
                    table.ForeignKey(
                        name: "fk_enrollments_classes_class_id",
                        column: x => x.class_id,
                        principalTable: "classes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_enrollments_people_person_id",
                        column: x => x.person_id,
                        principalTable: "people",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_academic_sessions_district_id_class_link_id",
                table: "academic_sessions",
                columns: new[] { "district_id", "class_link_id" },
                unique: true,
                filter: "class_link_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_academic_sessions_district_id_clever_id",
                table: "academic_sessions",
                columns: new[] { "district_id", "clever_id" },
                unique: true,
                filter: "clever_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_academic_sessions_district_id_one_roster_id",
                table: "academic_sessions",
                columns: new[] { "district_id", "one_roster_id" },
                unique: true,
                filter: "one_roster_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_academic_sessions_district_id_sis_id",
                table: "academic_sessions",
                columns: new[] { "district_id", "sis_id" });

            migrationBuilder.CreateIndex(
                name: "ix_api_keys_district_id",
                table: "api_keys",
                column: "district_id");

            migrationBuilder.CreateIndex(
                name: "ix_api_keys_key_hash",
                table: "api_keys",
                column: "key_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_classes_district_id_class_link_id",
                table: "classes",
                columns: new[] { "district_id", "class_link_id" },
                unique: true,
                filter: "class_link_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_classes_district_id_clever_id",
                table: "classes",
                columns: new[] { "district_id", "clever_id" },
                unique: true,
                filter: "clever_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_classes_district_id_id",
                table: "classes",
                columns: new[] { "district_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_classes_district_id_one_roster_id",
                table: "classes",
                columns: new[] { "district_id", "one_roster_id" },
                unique: true,
                filter: "one_roster_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_classes_district_id_sis_id",
                table: "classes",
                columns: new[] { "district_id", "sis_id" });

            migrationBuilder.CreateIndex(
                name: "ix_classes_school_id",
                table: "classes",
                column: "school_id");

            migrationBuilder.CreateIndex(
                name: "ix_courses_district_id_class_link_id",
                table: "courses",
                columns: new[] { "district_id", "class_link_id" },
                unique: true,
                filter: "class_link_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_courses_district_id_clever_id",
                table: "courses",
                columns: new[] { "district_id", "clever_id" },
                unique: true,
                filter: "clever_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_courses_district_id_one_roster_id",
                table: "courses",
                columns: new[] { "district_id", "one_roster_id" },
                unique: true,
                filter: "one_roster_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_courses_district_id_sis_id",
                table: "courses",
                columns: new[] { "district_id", "sis_id" });

            migrationBuilder.CreateIndex(
                name: "ix_enrollments_class_id_person_id_role",
                table: "enrollments",
                columns: new[] { "class_id", "person_id", "role" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_enrollments_person_id",
                table: "enrollments",
                column: "person_id");

            migrationBuilder.CreateIndex(
                name: "ix_guardian_links_guardian_id_student_id",
                table: "guardian_links",
                columns: new[] { "guardian_id", "student_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_guardian_links_student_id",
                table: "guardian_links",
                column: "student_id");

            migrationBuilder.CreateIndex(
                name: "ix_memberships_district_id_school_id",
                table: "memberships",
                columns: new[] { "district_id", "school_id" });

            migrationBuilder.CreateIndex(
                name: "ix_memberships_person_id_school_id_role",
                table: "memberships",
                columns: new[] { "person_id", "school_id", "role" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_memberships_school_id",
                table: "memberships",
                column: "school_id");

            migrationBuilder.CreateIndex(
                name: "ix_people_district_id_class_link_id",
                table: "people",
                columns: new[] { "district_id", "class_link_id" },
                unique: true,
                filter: "class_link_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_people_district_id_clever_id",
                table: "people",
                columns: new[] { "district_id", "clever_id" },
                unique: true,
                filter: "clever_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_people_district_id_id",
                table: "people",
                columns: new[] { "district_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_people_district_id_normalized_email",
                table: "people",
                columns: new[] { "district_id", "normalized_email" },
                unique: true,
                filter: "normalized_email IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_people_district_id_one_roster_id",
                table: "people",
                columns: new[] { "district_id", "one_roster_id" },
                unique: true,
                filter: "one_roster_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_people_district_id_sis_id",
                table: "people",
                columns: new[] { "district_id", "sis_id" });

            migrationBuilder.CreateIndex(
                name: "ix_people_district_id_updated_at_id",
                table: "people",
                columns: new[] { "district_id", "updated_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_run_changes_district_id_record_id",
                table: "run_changes",
                columns: new[] { "district_id", "record_id" });

            migrationBuilder.CreateIndex(
                name: "ix_run_changes_run_id_id",
                table: "run_changes",
                columns: new[] { "run_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_run_issues_run_id_id",
                table: "run_issues",
                columns: new[] { "run_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_schools_district_id_class_link_id",
                table: "schools",
                columns: new[] { "district_id", "class_link_id" },
                unique: true,
                filter: "class_link_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_schools_district_id_clever_id",
                table: "schools",
                columns: new[] { "district_id", "clever_id" },
                unique: true,
                filter: "clever_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_schools_district_id_one_roster_id",
                table: "schools",
                columns: new[] { "district_id", "one_roster_id" },
                unique: true,
                filter: "one_roster_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_schools_district_id_sis_id",
                table: "schools",
                columns: new[] { "district_id", "sis_id" });

            migrationBuilder.CreateIndex(
                name: "ix_sync_runs_district_id_queued_at",
                table: "sync_runs",
                columns: new[] { "district_id", "queued_at" });

            migrationBuilder.CreateIndex(
                name: "ix_sync_runs_status_published_at",
                table: "sync_runs",
                columns: new[] { "status", "published_at" });

            migrationBuilder.CreateIndex(
                name: "ux_sync_runs_one_open_per_district",
                table: "sync_runs",
                column: "district_id",
                unique: true,
                filter: "status IN ('queued', 'running', 'awaiting-approval')");

            migrationBuilder.CreateIndex(
                name: "ix_uploads_district_id",
                table: "uploads",
                column: "district_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "academic_sessions");

            migrationBuilder.DropTable(
                name: "api_keys");

            migrationBuilder.DropTable(
                name: "courses");

            migrationBuilder.DropTable(
                name: "data_protection_keys");

            migrationBuilder.DropTable(
                name: "enrollments");

            migrationBuilder.DropTable(
                name: "guardian_links");

            migrationBuilder.DropTable(
                name: "memberships");

            migrationBuilder.DropTable(
                name: "run_changes");

            migrationBuilder.DropTable(
                name: "run_issues");

            migrationBuilder.DropTable(
                name: "sync_settings");

            migrationBuilder.DropTable(
                name: "uploads");

            migrationBuilder.DropTable(
                name: "classes");

            migrationBuilder.DropTable(
                name: "people");

            migrationBuilder.DropTable(
                name: "sync_runs");

            migrationBuilder.DropTable(
                name: "schools");

            migrationBuilder.DropTable(
                name: "districts");
        }
    }
}
