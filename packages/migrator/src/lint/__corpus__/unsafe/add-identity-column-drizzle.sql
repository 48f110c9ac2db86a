-- expect: adding-serial-column
ALTER TABLE "tickets" ADD COLUMN "ticket_no" integer GENERATED ALWAYS AS IDENTITY (sequence name "tickets_ticket_no_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1);
