using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RosterSync.Domain.Persistence.Migrations
{
    /// <summary>
    /// Issue 12: memberships, enrollments and guardian links become tables partitioned by district, one partition each per
    /// district, so that a district's first import can build its partitions bare and attach them (LinkPartitionBuild), and a
    /// district is the unit a later Citus distribution would move (docs/architecture.md). Every row is kept: the old tables
    /// are renamed, their rows copied into the partitions and then dropped; keys and indexes are built after the copy.
    /// A district's partitions are made by a trigger on districts, so every creator of a district gets them; there is no
    /// DEFAULT partition, which every ATTACH would have to scan.
    /// </summary>
    public partial class DistrictPartitionsForLinks : Migration
    {
        /// <summary>The link tables and their old key and indexes, whose names the partitioned tables take over.</summary>
        private static readonly (string Table, string[] OldIndexes, string[] Indexes)[] Links =
        [
            ("memberships",
                ["ix_memberships_person_id_school_id_role", "ix_memberships_school_id", "ix_memberships_district_id_school_id"],
                [
                    "CREATE UNIQUE INDEX ix_memberships_district_id_person_id_school_id_role ON memberships (district_id, person_id, school_id, role)",
                    "CREATE INDEX ix_memberships_district_id_school_id ON memberships (district_id, school_id)",
                ]),
            ("enrollments",
                ["ix_enrollments_class_id_person_id_role", "ix_enrollments_district_id_id", "ix_enrollments_person_id"],
                [
                    "CREATE UNIQUE INDEX ix_enrollments_district_id_class_id_person_id_role ON enrollments (district_id, class_id, person_id, role)",
                    "CREATE INDEX ix_enrollments_district_id_person_id ON enrollments (district_id, person_id)",
                ]),
            ("guardian_links",
                ["ix_guardian_links_district_id", "ix_guardian_links_guardian_id_student_id", "ix_guardian_links_student_id"],
                [
                    "CREATE UNIQUE INDEX ix_guardian_links_district_id_guardian_id_student_id ON guardian_links (district_id, guardian_id, student_id)",
                    "CREATE INDEX ix_guardian_links_district_id_student_id ON guardian_links (district_id, student_id)",
                ]),
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, oldIndexes, _) in Links)
            {
                migrationBuilder.Sql($"ALTER TABLE {table} RENAME TO {table}_unpartitioned");
                migrationBuilder.Sql($"ALTER TABLE {table}_unpartitioned DROP CONSTRAINT pk_{table}");
                foreach (var index in oldIndexes) migrationBuilder.Sql($"DROP INDEX {index}");
                migrationBuilder.Sql($"CREATE TABLE {table} (LIKE {table}_unpartitioned INCLUDING DEFAULTS) PARTITION BY LIST (district_id)");
            }

            // Partition names: <table>_d<the district id's 32 hex digits>, e.g. enrollments_d0193…; LinkPartitions.Name says the same.
            migrationBuilder.Sql("""
                CREATE FUNCTION create_link_partitions(district uuid) RETURNS void LANGUAGE plpgsql AS $$
                DECLARE parent text;
                BEGIN
                    FOREACH parent IN ARRAY ARRAY['memberships', 'enrollments', 'guardian_links'] LOOP
                        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES IN (%L)',
                            parent || '_d' || replace(district::text, '-', ''), parent, district);
                    END LOOP;
                END $$;
                """);
            migrationBuilder.Sql("""
                CREATE FUNCTION districts_create_link_partitions() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM create_link_partitions(NEW.id);
                    RETURN NULL;
                END $$;
                """);
            migrationBuilder.Sql(
                "CREATE TRIGGER create_link_partitions AFTER INSERT ON districts FOR EACH ROW EXECUTE FUNCTION districts_create_link_partitions()");
            migrationBuilder.Sql("SELECT create_link_partitions(id) FROM districts");

            foreach (var (table, _, indexes) in Links)
            {
                // Rows first, then keys and indexes (built once per partition instead of maintained row by row).
                migrationBuilder.Sql($"INSERT INTO {table} SELECT * FROM {table}_unpartitioned");
                migrationBuilder.Sql($"DROP TABLE {table}_unpartitioned");
                migrationBuilder.Sql($"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (district_id, id)");
                foreach (var index in indexes) migrationBuilder.Sql(index);
            }

            // Where a first import builds a partition before it swaps it in: its indexes get the names the trigger's would.
            migrationBuilder.Sql("CREATE SCHEMA IF NOT EXISTS link_partition_builds");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            throw new NotSupportedException(
                "DistrictPartitionsForLinks cannot be reverted: restore a backup taken before it, or merge the partitions by hand.");
    }
}
