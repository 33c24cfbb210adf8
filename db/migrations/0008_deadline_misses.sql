CREATE TABLE "deadline_misses" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant" text DEFAULT 'default' NOT NULL,
	"follow_up_id" text NOT NULL,
	"workflow_id" text NOT NULL,
	"contact_id" uuid NOT NULL,
	"campaign_id" text NOT NULL,
	"trigger" text NOT NULL,
	"deadline_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"action" text NOT NULL,
	"expected_at" timestamp with time zone,
	"handled_at" timestamp with time zone,
	"handled_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "deadline_misses_follow_up_uq" ON "deadline_misses" USING btree ("tenant","follow_up_id");--> statement-breakpoint
CREATE INDEX "deadline_misses_campaign_idx" ON "deadline_misses" USING btree ("campaign_id","created_at");