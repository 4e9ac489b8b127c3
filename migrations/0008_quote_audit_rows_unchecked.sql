-- 0008: the quotes table is the desk's audit log of every quote a maker sends (SPEC 7: these
-- rows trail the fast path). Its two foreign keys cost a lookup and a row lock each per row,
-- about a quarter of the database's work per quote under load (perf, bench/run ws). The
-- references hold by construction: the desk writes an RFQ's row before its quotes' rows on
-- the same writer connection, in order (api/desk_writer.h), and makers are accounts before
-- they can log in. Money tables (fills, the ledger, the depot) keep theirs.
ALTER TABLE quotes DROP CONSTRAINT quotes_rfq_id_fkey;
ALTER TABLE quotes DROP CONSTRAINT quotes_maker_id_fkey;
