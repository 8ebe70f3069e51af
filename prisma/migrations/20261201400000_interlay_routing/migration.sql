-- The live migration path: each interlay's traffic stage, write-consistency policy, target
-- and mirror targets, kept so that after a console restart it comes back in the stage it
-- was in (lib/interlays/schema.ts StoredRouting). NULL means source only.
ALTER TABLE "interlays" ADD COLUMN "routing" JSONB;
