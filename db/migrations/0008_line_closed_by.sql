ALTER TABLE "lines" ADD COLUMN "closed_by" text;--> statement-breakpoint
-- lines out of service before this column: failed ones were failed over; who closed a closed one is unknown, so it stays closed until an admin opens it
UPDATE "lines" SET "closed_by" = CASE WHEN "state" = 'failed' THEN 'failover' ELSE 'admin' END WHERE "state" <> 'active';
