-- The values of the workspace's declared SCIM schema extensions, by schema
-- URN then attribute name (a JSON object); also inside profile.
ALTER TABLE members ADD COLUMN IF NOT EXISTS extensions JSONB NOT NULL DEFAULT '{}'::jsonb;
