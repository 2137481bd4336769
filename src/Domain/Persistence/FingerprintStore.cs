using Npgsql;
using NpgsqlTypes;
using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Persistence;

/// <summary>
/// Issue 12: the fingerprints a re-sync compares (people.sync_fingerprint, sync_runs.fingerprint_basis) and the little of the
/// district it needs to decide what to plan, read without loading the district's records.
/// </summary>
public static class FingerprintStore
{
    /// <summary>The basis of the district's last applied run (a revert has none, so the run after it plans everything).</summary>
    public static async Task<long?> LastBasisAsync(NpgsqlConnection connection, Guid districtId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT fingerprint_basis FROM sync_runs
            WHERE district_id = $1 AND status = 'succeeded' AND NOT dry_run ORDER BY finished_at DESC LIMIT 1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = districtId });
        return await command.ExecuteScalarAsync(ct) is long basis ? basis : null;
    }

    /// <summary>Every person of the district (id, source links, email, fingerprint) and every guardian link's pair.</summary>
    public static async Task<(List<StoredPersonLinks> People, List<(Guid Guardian, Guid Student)> GuardianPairs)> LoadIndexAsync(
        NpgsqlConnection connection, Guid districtId, CancellationToken ct)
    {
        // Text as UTF-8 bytes through the run's pool (as RosterStateLoader reads it): an id or email the snapshot holds costs no string.
        var text = new RosterStateLoader.PooledText(SharedStrings.Current ?? new StringPool());
        var people = new List<StoredPersonLinks>();
        await using (var command = new NpgsqlCommand("""
            SELECT id, convert_to(sis_id, 'UTF8'), convert_to(one_roster_id, 'UTF8'), convert_to(clever_id, 'UTF8'), convert_to(class_link_id, 'UTF8'),
                   convert_to(normalized_email, 'UTF8'), origin = 'synced', sync_fingerprint
            FROM people WHERE district_id = $1
            """, connection))
        {
            command.CommandTimeout = 0;
            command.Parameters.Add(new NpgsqlParameter { Value = districtId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                people.Add(new StoredPersonLinks(reader.GetGuid(0), new SourceLinks(text.Read(reader, 1), text.Read(reader, 2), text.Read(reader, 3), text.Read(reader, 4)),
                    text.Read(reader, 5), reader.GetBoolean(6) ? Origins.Synced : Origins.Manual, reader.IsDBNull(7) ? null : reader.GetInt64(7)));
        }
        var pairs = new List<(Guid, Guid)>();
        await using (var command = new NpgsqlCommand("SELECT guardian_id, student_id FROM guardian_links WHERE district_id = $1", connection))
        {
            command.CommandTimeout = 0;
            command.Parameters.Add(new NpgsqlParameter { Value = districtId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) pairs.Add((reader.GetGuid(0), reader.GetGuid(1)));
        }
        return (people, pairs);
    }

    /// <summary>R21's denominators for the whole district, when the state loaded is only part of it.</summary>
    public static async Task<ActiveSyncedRecords> ActiveSyncedAsync(NpgsqlConnection connection, Guid districtId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM people WHERE district_id = $1 AND origin = 'synced' AND status = 'active'),
                   (SELECT count(*) FROM memberships WHERE district_id = $1 AND origin = 'synced' AND ended_at IS NULL),
                   (SELECT count(*) FROM classes WHERE district_id = $1 AND origin = 'synced' AND status = 'active'),
                   (SELECT count(*) FROM enrollments WHERE district_id = $1 AND origin = 'synced' AND ended_at IS NULL),
                   (SELECT count(*) FROM guardian_links WHERE district_id = $1 AND origin = 'synced' AND ended_at IS NULL)
            """, connection) { CommandTimeout = 0 };
        command.Parameters.Add(new NpgsqlParameter { Value = districtId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new((int)reader.GetInt64(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2), (int)reader.GetInt64(3), (int)reader.GetInt64(4));
    }

    /// <summary>Stores the fingerprints of people the plan did not write, and the run's basis, in the apply's transaction.</summary>
    public static async Task WriteAsync(NpgsqlConnection connection, Guid districtId, Guid runId, FingerprintUpdates updates, long basis, CancellationToken ct)
    {
        if (updates.Others.Count > 0)
        {
            await using var update = new NpgsqlCommand("""
                UPDATE people p SET sync_fingerprint = u.print
                FROM unnest($2::uuid[], $3::bigint[]) AS u(id, print)
                WHERE p.district_id = $1 AND p.id = u.id
                """, connection) { CommandTimeout = 0 };
            update.Parameters.Add(new NpgsqlParameter { Value = districtId });
            update.Parameters.Add(new NpgsqlParameter { Value = updates.Others.Select(o => o.Id).ToArray() });
            update.Parameters.Add(new NpgsqlParameter { Value = updates.Others.Select(o => o.Print).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            await update.ExecuteNonQueryAsync(ct);
        }
        await using var run = new NpgsqlCommand("UPDATE sync_runs SET fingerprint_basis = $2 WHERE id = $1", connection);
        run.Parameters.Add(new NpgsqlParameter { Value = runId });
        run.Parameters.Add(new NpgsqlParameter { Value = basis });
        await run.ExecuteNonQueryAsync(ct);
    }
}
