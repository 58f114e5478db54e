-- Stats read the raw rows at a window's edges with an index-only scan, which
-- only skips the table for pages the visibility map marks all-visible, that is
-- pages vacuumed since their last change. By default an insert-only table is
-- vacuumed after 20 % of its rows are new: days, for a 30-day results table.
-- At 1 % the rows of a day ago (the far edge of a 24 h window) are always
-- vacuumed, and the dead rows that retention leaves are reclaimed as soon.
ALTER TABLE results SET (
    autovacuum_vacuum_insert_scale_factor = 0.01,
    autovacuum_vacuum_scale_factor = 0.02
);
