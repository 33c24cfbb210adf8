CREATE TABLE "message_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"provider_sid" text NOT NULL,
	"status" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "voicemail_drops" (
	"contact_id" uuid NOT NULL,
	"campaign_id" text NOT NULL,
	"attempt_id" uuid NOT NULL,
	"left_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "voicemail_drops_pk" PRIMARY KEY("contact_id","campaign_id")
);
--> statement-breakpoint
CREATE TABLE "sms_replies" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"contact_id" uuid NOT NULL,
	"campaign_id" text,
	"line_id" text,
	"provider_sid" text NOT NULL,
	"body" text NOT NULL,
	"kind" text NOT NULL,
	"action" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "error_code" integer;--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "voicemail" text;--> statement-breakpoint
ALTER TABLE "voicemail_drops" ADD CONSTRAINT "voicemail_drops_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sms_replies" ADD CONSTRAINT "sms_replies_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "message_events_sid_status_uq" ON "message_events" USING btree ("provider_sid","status");--> statement-breakpoint
CREATE UNIQUE INDEX "sms_replies_provider_sid_uq" ON "sms_replies" USING btree ("provider_sid");--> statement-breakpoint
CREATE INDEX "sms_replies_contact_idx" ON "sms_replies" USING btree ("contact_id","received_at");