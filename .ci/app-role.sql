-- The app's database role (README, production): it reads and writes the record and appends
-- to the audit history, and neither owns a table nor is a superuser, so the triggers that keep
-- the audit history append-only bind it. Idempotent. Run as the tables' owner (the role that
-- runs the migrations), after migrating:
--
--   psql -v ON_ERROR_STOP=1 -v app_role=tracker_app -f .ci/app-role.sql DATABASE
--
-- then set the role's password (ALTER ROLE tracker_app PASSWORD '...') and give the app
-- DATABASE_URL=postgres://tracker_app:...@host/DATABASE; migrations keep the owner's URL.
SELECT format('CREATE ROLE %I LOGIN', :'app_role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_role') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'app_role') \gexec
GRANT USAGE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";
-- What later migrations create (as this same owner) is granted too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";
-- The audit history and its checkpoints are only ever appended to.
REVOKE UPDATE, DELETE, TRUNCATE ON commitments_auditevent, commitments_auditcheckpoint
    FROM :"app_role";
