-- A filled year of commitments on a bench copy (issue 17, part 11c): for the year 2031, a
-- commitment for every current official membership of a person with person_id % 20 <> 0 (a
-- twentieth has not filed), three items each, their fulfilment mixed as in a year whose
-- self-assessment is under way: by (person_id + position) % 10, 0–3 fulfilled, 4–5 partly,
-- 6 not, 7–9 not assessed yet (''). Set-based; the database's triggers keep any summary.
-- Run inside scripts/with-postgres.sh:  psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f bench/fill_commitments.sql
BEGIN;
DELETE FROM reviews_commitmentitem
 WHERE commitment_id IN (SELECT id FROM reviews_commitment WHERE year = 2031);
DELETE FROM reviews_commitment WHERE year = 2031;
INSERT INTO reviews_commitment (created_at, updated_at, version, person_id, year, unit_id, filed_on, filed_by_id)
SELECT now(), now(), 1, m.person_id, 2031, m.unit_id, DATE '2031-01-15', NULL
  FROM org_membership m
 WHERE m.kind = 'official' AND m.valid_from <= current_date
   AND (m.valid_to IS NULL OR m.valid_to >= current_date)
   AND m.person_id % 20 <> 0;
INSERT INTO reviews_commitmentitem (created_at, updated_at, version, commitment_id, position, text, fulfilment, note, assessed_at)
SELECT now(), now(), 1, c.id, p.position, 'Nội dung cam kết ' || p.position,
       CASE WHEN (c.person_id + p.position) % 10 < 4 THEN 'fulfilled'
            WHEN (c.person_id + p.position) % 10 < 6 THEN 'partly'
            WHEN (c.person_id + p.position) % 10 = 6 THEN 'not'
            ELSE '' END,
       '',
       CASE WHEN (c.person_id + p.position) % 10 < 7 THEN now() END
  FROM reviews_commitment c CROSS JOIN generate_series(1, 3) AS p(position)
 WHERE c.year = 2031;
COMMIT;
SELECT COUNT(*) AS commitments_2031 FROM reviews_commitment WHERE year = 2031;
