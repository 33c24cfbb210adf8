CREATE TABLE "recordings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"recording_sid" text NOT NULL,
	"attempt_id" uuid NOT NULL,
	"campaign_id" text NOT NULL,
	"industry" text,
	"file" text NOT NULL,
	"sha256" text NOT NULL,
	"bytes" integer NOT NULL,
	"duration_sec" integer,
	"retention_days" integer NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	"stored_at" timestamp with time zone DEFAULT now() NOT NULL,
	"purge_after" timestamp with time zone NOT NULL,
	"purged_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "recording_requested" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "call_turns" ADD COLUMN "text" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_attempt_id_attempts_id_fk" FOREIGN KEY ("attempt_id") REFERENCES "public"."attempts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "recordings_recording_sid_uq" ON "recordings" USING btree ("recording_sid");--> statement-breakpoint
CREATE INDEX "recordings_attempt_idx" ON "recordings" USING btree ("attempt_id");--> statement-breakpoint
CREATE INDEX "recordings_due_idx" ON "recordings" USING btree ("purge_after") WHERE "recordings"."purged_at" is null;--> statement-breakpoint
DROP TABLE "call_transcripts" CASCADE;