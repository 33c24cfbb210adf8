CREATE TABLE "inbox_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"event_id" text NOT NULL,
	"contact_id" uuid NOT NULL,
	"campaign_id" text NOT NULL,
	"type" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"strategy_version" integer NOT NULL,
	"workflow_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"state" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	"last_attempt_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "inbox_events" ADD CONSTRAINT "inbox_events_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "inbox_events_tenant_event_uq" ON "inbox_events" USING btree ("tenant","event_id");--> statement-breakpoint
CREATE INDEX "inbox_events_queued_idx" ON "inbox_events" USING btree ("seq") WHERE "inbox_events"."state" = 'queued';--> statement-breakpoint
CREATE INDEX "inbox_events_contact_queued_idx" ON "inbox_events" USING btree ("contact_id","seq") WHERE "inbox_events"."state" = 'queued';