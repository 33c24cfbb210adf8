CREATE TABLE "opt_out_safe_modes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"reason" text NOT NULL,
	"detail" jsonb,
	"entered_by" text NOT NULL,
	"entered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_by" text,
	"ended_at" timestamp with time zone,
	"end_reason" text
);
--> statement-breakpoint
ALTER TABLE "lines" ADD COLUMN "closed_by" text;--> statement-breakpoint
CREATE UNIQUE INDEX "opt_out_safe_modes_in_force_uq" ON "opt_out_safe_modes" USING btree ((true)) WHERE "opt_out_safe_modes"."ended_at" is null;--> statement-breakpoint
-- lines out of service before this column: failed ones were failed over; who closed a closed one is unknown, so it stays closed until an admin opens it
UPDATE "lines" SET "closed_by" = CASE WHEN "state" = 'failed' THEN 'failover' ELSE 'admin' END WHERE "state" <> 'active';
