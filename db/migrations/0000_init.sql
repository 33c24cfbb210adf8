CREATE TABLE "contacts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant" text DEFAULT 'default' NOT NULL,
	"phone" text NOT NULL,
	"name" text,
	"time_zone" text NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"industry" text,
	"external_id" text,
	"status" text DEFAULT 'active' NOT NULL,
	"consent_source" text,
	"consent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant" text DEFAULT 'default' NOT NULL,
	"name" text NOT NULL,
	"industry" text,
	"status" text DEFAULT 'active' NOT NULL,
	"active_strategy_version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "strategies" (
	"campaign_id" text NOT NULL,
	"version" integer NOT NULL,
	"body" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "strategies_pk" PRIMARY KEY("campaign_id","version")
);
--> statement-breakpoint
CREATE TABLE "attempts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"idempotency_key" text NOT NULL,
	"contact_id" uuid NOT NULL,
	"campaign_id" text NOT NULL,
	"workflow_id" text NOT NULL,
	"channel" text NOT NULL,
	"strategy_version" integer NOT NULL,
	"local_day" text NOT NULL,
	"line_id" text,
	"provider_sid" text,
	"status" text DEFAULT 'reserved' NOT NULL,
	"answered_by" text,
	"duration_sec" integer,
	"sip_response_code" integer,
	"price" numeric,
	"outcome" text,
	"last_sequence" integer DEFAULT -1 NOT NULL,
	"reserved_at" timestamp with time zone DEFAULT now() NOT NULL,
	"placed_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "call_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"provider_sid" text NOT NULL,
	"status" text NOT NULL,
	"sequence_number" integer NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "compliance_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"contact_id" uuid,
	"campaign_id" text,
	"workflow_id" text NOT NULL,
	"channel" text NOT NULL,
	"reason" text NOT NULL,
	"detail" jsonb,
	"strategy_version" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "opt_outs" (
	"tenant" text DEFAULT 'default' NOT NULL,
	"phone" text NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "opt_outs_pk" PRIMARY KEY("tenant","phone")
);
--> statement-breakpoint
CREATE TABLE "lines" (
	"id" text PRIMARY KEY NOT NULL,
	"provider" text DEFAULT 'twilio' NOT NULL,
	"account_sid" text NOT NULL,
	"auth_token" text NOT NULL,
	"from_number" text NOT NULL,
	"tier" text NOT NULL,
	"cps" integer NOT NULL,
	"state" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target" text,
	"before" jsonb,
	"after" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "strategies" ADD CONSTRAINT "strategies_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "contacts_tenant_phone_uq" ON "contacts" USING btree ("tenant","phone");--> statement-breakpoint
CREATE UNIQUE INDEX "contacts_tenant_external_id_uq" ON "contacts" USING btree ("tenant","external_id") WHERE "contacts"."external_id" is not null;--> statement-breakpoint
CREATE INDEX "contacts_status_idx" ON "contacts" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "attempts_idempotency_key_uq" ON "attempts" USING btree ("idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "attempts_provider_sid_uq" ON "attempts" USING btree ("provider_sid");--> statement-breakpoint
CREATE INDEX "attempts_contact_day_idx" ON "attempts" USING btree ("contact_id","local_day");--> statement-breakpoint
CREATE INDEX "attempts_campaign_reserved_idx" ON "attempts" USING btree ("campaign_id","reserved_at");--> statement-breakpoint
CREATE UNIQUE INDEX "call_events_sid_status_seq_uq" ON "call_events" USING btree ("provider_sid","status","sequence_number");--> statement-breakpoint
CREATE INDEX "compliance_log_contact_idx" ON "compliance_log" USING btree ("contact_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_hash_uq" ON "api_keys" USING btree ("hash");