-- Interlays became secure by default: clients must authenticate (interlay users, or backend
-- users the backend checks) and administrative commands are refused unless allowlisted.
-- An interlay created before, bound to a loopback address without any client auth, keeps
-- serving clients without AUTH, now as a visible, acknowledged exception the operator can
-- remove; every other interlay requires authentication from now on.
UPDATE "interlays"
SET "settings" = "settings" || jsonb_build_object(
  'allow_unauthenticated', jsonb_build_object(
    'reason', 'kept from before client authentication became the default',
    'acknowledged_by', 'migration',
    'acknowledged_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
  )
)
WHERE NOT ("settings" ? 'auth')
  AND (("settings" ->> 'bind_address') IN ('localhost', '::1') OR ("settings" ->> 'bind_address') LIKE '127.%');
