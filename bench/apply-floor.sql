-- How long PostgreSQL itself takes to write a district's rows into RosterSync's tables (their indexes, foreign
-- keys and WAL included), with no client in the way: the floor under a first import's apply phase.
-- Run by bench/sync.sh on the benchmark database after its runs, with -v first_run=<id of the first import>.
-- It sets the rows aside in unlogged tables, then inserts them again inside a transaction that it rolls back.
\set ON_ERROR_STOP on
CREATE UNLOGGED TABLE floor_people AS SELECT * FROM people;
CREATE UNLOGGED TABLE floor_classes AS SELECT * FROM classes;
CREATE UNLOGGED TABLE floor_memberships AS SELECT * FROM memberships;
CREATE UNLOGGED TABLE floor_enrollments AS SELECT * FROM enrollments;
CREATE UNLOGGED TABLE floor_guardian_links AS SELECT * FROM guardian_links;
CREATE UNLOGGED TABLE floor_changes AS
    SELECT run_id, district_id, entity, record_id, source_id, action, field, before, after, rule FROM run_changes WHERE run_id = :'first_run';

BEGIN;
TRUNCATE people, classes, memberships, enrollments, guardian_links, run_changes CASCADE;
SELECT clock_timestamp() AS started \gset
INSERT INTO people SELECT * FROM floor_people;
INSERT INTO classes SELECT * FROM floor_classes;
INSERT INTO memberships SELECT * FROM floor_memberships;
INSERT INTO enrollments SELECT * FROM floor_enrollments;
INSERT INTO guardian_links SELECT * FROM floor_guardian_links;
INSERT INTO run_changes (run_id, district_id, entity, record_id, source_id, action, field, before, after, rule)
    SELECT run_id, district_id, entity, record_id, source_id, action, field, before, after, rule FROM floor_changes;
SELECT round(extract(epoch FROM clock_timestamp() - :'started'::timestamptz)::numeric, 1) AS seconds,
       (SELECT count(*) FROM floor_people) + (SELECT count(*) FROM floor_classes) + (SELECT count(*) FROM floor_memberships)
       + (SELECT count(*) FROM floor_enrollments) + (SELECT count(*) FROM floor_guardian_links) + (SELECT count(*) FROM floor_changes) AS rows
\gset
ROLLBACK;

DROP TABLE floor_people, floor_classes, floor_memberships, floor_enrollments, floor_guardian_links, floor_changes;
\echo :seconds :rows
