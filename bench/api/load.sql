-- Loads one district of :people people for bench/api.sh with set-based SQL (no sync run), and a neighbour
-- district of :people/10 people whose ids interleave with it, so the keyset query must skip another district's
-- rows as it would in a shared database. Ids are UUIDv7-shaped (48-bit millisecond time, version 7, variant 8)
-- and generated in time order, so id order is creation order as with Guid.CreateVersion7().
-- psql -v people=N -v district=UUID -v neighbour=UUID -f bench/api/load.sql
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE bench_base AS SELECT (extract(epoch FROM now() - interval '30 days') * 1000)::bigint AS ms;

CREATE FUNCTION pg_temp.v7(ms bigint, salt text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
  SELECT (lpad(to_hex(ms), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid
  FROM (SELECT md5(salt) AS h) s
$$;

INSERT INTO districts (id, name, created_at)
VALUES (:'district', 'Api benchmark district', now() - interval '31 days'),
       (:'neighbour', 'Api benchmark neighbour', now() - interval '31 days');

INSERT INTO schools (id, district_id, name, identifier, status, origin, sis_id, one_roster_id, created_at, updated_at)
SELECT pg_temp.v7(b.ms - 1000 + s, 'school' || s), :'district', 'School ' || s, 'SCH' || s, 'active', 'synced',
       'sch-' || s, 'or-sch-' || s, now() - interval '30 days', now() - interval '30 days'
FROM bench_base b, generate_series(1, 100) s;

-- One in twenty people is a teacher; the rest are students in grades 1–12.
INSERT INTO people (id, district_id, email, normalized_email, given_name, family_name, middle_name, roles, grade,
                    graduation_year, sms, phone, language, room, status, origin, account_state, sis_id, one_roster_id,
                    created_at, updated_at)
SELECT pg_temp.v7(b.ms + i, 'person' || i), :'district',
       'Person.' || i || '@Bench.Example.org', 'person.' || i || '@bench.example.org',
       (ARRAY['Ana','Ben','Chloe','Diego','Emma','Farid','Grace','Hugo','Ines','Jamal','Kira','Liam'])[1 + i % 12],
       (ARRAY['Diaz','Nguyen','Okafor','Smith','Kowalski','Haddad','Ito','Moreau','Silva','Olsen','Patel'])[1 + i % 11],
       CASE WHEN i % 3 = 0 THEN 'M' END,
       CASE WHEN i % 20 = 0 THEN ARRAY['teacher'] ELSE ARRAY['student'] END,
       CASE WHEN i % 20 = 0 THEN NULL ELSE (1 + i % 12)::text END,
       CASE WHEN i % 20 = 0 THEN NULL ELSE 2026 + i % 12 END,
       NULL, CASE WHEN i % 20 = 0 THEN '+1555' || lpad(i::text, 7, '0') END, 'en', NULL,
       'active', 'synced', CASE WHEN i % 4 = 0 THEN 'active' ELSE 'invitee' END, 'S' || i, 'or-p-' || i,
       to_timestamp((b.ms + i) / 1000.0), to_timestamp((b.ms + i) / 1000.0)
FROM bench_base b, generate_series(1, :people) i;

-- Every person belongs to one school; teachers to a second one; one in twenty has an ended membership too.
INSERT INTO memberships (id, district_id, person_id, school_id, role, origin, created_at, ended_at)
SELECT pg_temp.v7(b.ms + i, 'membership' || i || '/' || k), :'district', pg_temp.v7(b.ms + i, 'person' || i),
       pg_temp.v7(b.ms - 1000 + s, 'school' || s), CASE WHEN i % 20 = 0 THEN 'teacher' ELSE 'student' END, 'synced',
       to_timestamp((b.ms + i) / 1000.0), CASE WHEN k = 3 THEN now() - interval '1 day' END
FROM bench_base b, generate_series(1, :people) i,
     LATERAL (VALUES (1, 1 + i % 100), (2, 1 + (i + 37) % 100), (3, 1 + (i + 71) % 100)) AS m(k, s)
WHERE k = 1 OR (k = 2 AND i % 20 = 0) OR (k = 3 AND i % 20 = 7);

INSERT INTO schools (id, district_id, name, status, origin, created_at, updated_at)
SELECT pg_temp.v7(b.ms - 2000, 'neighbour school'), :'neighbour', 'Neighbour school', 'active', 'manual', now(), now()
FROM bench_base b;
INSERT INTO people (id, district_id, email, normalized_email, given_name, family_name, roles, status, origin,
                    account_state, created_at, updated_at)
SELECT pg_temp.v7(b.ms + 10 * j, 'neighbour' || j), :'neighbour', 'n' || j || '@neighbour.example.org',
       'n' || j || '@neighbour.example.org', 'Nora', 'Neighbour', ARRAY['student'], 'active', 'manual', 'invitee',
       to_timestamp((b.ms + 10 * j) / 1000.0), to_timestamp((b.ms + 10 * j) / 1000.0)
FROM bench_base b, generate_series(1, :people / 10) j;
INSERT INTO memberships (id, district_id, person_id, school_id, role, origin, created_at)
SELECT pg_temp.v7(b.ms + 10 * j, 'neighbour membership' || j), :'neighbour', pg_temp.v7(b.ms + 10 * j, 'neighbour' || j),
       pg_temp.v7(b.ms - 2000, 'neighbour school'), 'student', 'manual', now()
FROM bench_base b, generate_series(1, :people / 10) j;
COMMIT;
VACUUM (ANALYZE) districts, schools, people, memberships;
