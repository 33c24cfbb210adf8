CREATE TABLE "link_status" (
	"url" text PRIMARY KEY NOT NULL,
	"ok" boolean NOT NULL,
	"problem" text,
	"http_status" integer,
	"chain" jsonb NOT NULL,
	"ms" integer NOT NULL,
	"checked_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "call_transcripts" (
	"attempt_id" uuid NOT NULL,
	"turn" integer NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "call_transcripts_pk" PRIMARY KEY("attempt_id","turn")
);
--> statement-breakpoint
CREATE TABLE "sensitive_words" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"word" text NOT NULL,
	"category" text NOT NULL,
	"added_by" text NOT NULL,
	"added_in_version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_by" text,
	"removed_in_version" integer,
	"removed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "call_transcripts" ADD CONSTRAINT "call_transcripts_attempt_id_attempts_id_fk" FOREIGN KEY ("attempt_id") REFERENCES "public"."attempts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sensitive_words_live_uq" ON "sensitive_words" USING btree ("scope",lower("word")) WHERE "sensitive_words"."removed_at" is null;