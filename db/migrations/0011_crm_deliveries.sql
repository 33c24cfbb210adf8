CREATE TABLE "crm_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"campaign_id" text NOT NULL,
	"outcome_id" text NOT NULL,
	"outcome" text NOT NULL,
	"contact_id" uuid NOT NULL,
	"attempt_id" uuid,
	"url" text NOT NULL,
	"body" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"last_status" integer,
	"dispatched_at" timestamp with time zone,
	"held_at" timestamp with time zone,
	"next_attempt_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	"dead_at" timestamp with time zone,
	"replays" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_delivery_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"delivery_id" bigint NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" integer,
	"error" text,
	"duration_ms" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_endpoints" (
	"campaign_id" text PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"secret" text NOT NULL,
	"mapping" jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "crm_delivery_attempts" ADD CONSTRAINT "crm_delivery_attempts_delivery_id_crm_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."crm_deliveries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_endpoints" ADD CONSTRAINT "crm_endpoints_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "crm_deliveries_outcome_uq" ON "crm_deliveries" USING btree ("campaign_id","outcome_id");--> statement-breakpoint
CREATE INDEX "crm_deliveries_tenant_id_idx" ON "crm_deliveries" USING btree ("tenant","id");--> statement-breakpoint
CREATE INDEX "crm_deliveries_undispatched_idx" ON "crm_deliveries" USING btree ("id") WHERE "crm_deliveries"."dispatched_at" is null;--> statement-breakpoint
CREATE INDEX "crm_delivery_attempts_delivery_idx" ON "crm_delivery_attempts" USING btree ("delivery_id","id");