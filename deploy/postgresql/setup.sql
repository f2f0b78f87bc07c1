-- Run once as the postgres superuser: `sudo -u postgres psql -v ON_ERROR_STOP=1 -f deploy/postgresql/setup.sql`.
-- The registry's role owns its database; the app connects over the Unix socket with peer authentication
-- (the `registry` system user), so no password is stored anywhere.
CREATE ROLE registry LOGIN;
CREATE DATABASE registry OWNER registry ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0;
\connect registry
-- The search indexes (migration 20261121_a1b2c3d4e5f6) use trigram GIN indexes. pg_trgm is a trusted
-- extension, which the migration may create itself; created here so the migration needs no privilege.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- Imports skip the per-row foreign key trigger during their COPY when allowed (README, "Benchmarks").
GRANT SET ON PARAMETER session_replication_role TO registry;
