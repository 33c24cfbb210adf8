ALTER TABLE "compliance_log" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "lines" ADD COLUMN "state_changed_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "lines" ADD COLUMN "last_probe_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "lines" ADD COLUMN "next_slot_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "attempts_line_reserved_idx" ON "attempts" USING btree ("line_id","reserved_at");--> statement-breakpoint
CREATE UNIQUE INDEX "compliance_log_idempotency_key_uq" ON "compliance_log" USING btree ("idempotency_key");