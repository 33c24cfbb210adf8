CREATE TABLE "alerts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"severity" text NOT NULL,
	"message" text NOT NULL,
	"detail" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	"delivery_error" text
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"subject" text NOT NULL,
	"status" text NOT NULL,
	"workflow_id" text NOT NULL,
	"timeline" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "interface_errors" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"interface" text NOT NULL,
	"error" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "maintenance_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"routine" text NOT NULL,
	"workflow_id" text NOT NULL,
	"run_id" text NOT NULL,
	"status" text NOT NULL,
	"results" jsonb NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "cps" integer;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "next_slot_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "incidents_open_idx" ON "incidents" USING btree ("kind","status");--> statement-breakpoint
CREATE INDEX "interface_errors_at_idx" ON "interface_errors" USING btree ("interface","at");--> statement-breakpoint
CREATE INDEX "maintenance_runs_routine_idx" ON "maintenance_runs" USING btree ("routine","finished_at");