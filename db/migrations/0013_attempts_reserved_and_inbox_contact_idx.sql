CREATE INDEX "attempts_reserved_idx" ON "attempts" USING btree ("reserved_at");--> statement-breakpoint
CREATE INDEX "inbox_events_contact_idx" ON "inbox_events" USING btree ("contact_id","seq");