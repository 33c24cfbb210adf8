CREATE TABLE "call_turns" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"attempt_id" uuid NOT NULL,
	"campaign_id" text NOT NULL,
	"turn" integer NOT NULL,
	"input" text NOT NULL,
	"mode" text NOT NULL,
	"intent" text NOT NULL,
	"confidence" real,
	"fallback" text,
	"human_after_misunderstanding" boolean DEFAULT false NOT NULL,
	"actions" text[] NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "script_mode" text DEFAULT 'intelligent' NOT NULL;--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "played" jsonb;--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "script_outcome" text;--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "callback_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "call_turns_attempt_turn_uq" ON "call_turns" USING btree ("attempt_id","turn");--> statement-breakpoint
CREATE INDEX "call_turns_campaign_at_idx" ON "call_turns" USING btree ("campaign_id","at");