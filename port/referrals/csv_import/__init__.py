"""CSV upload, the third intake channel: a batch of referrals from a spreadsheet (for example an
emergency department's daily list), shown row by row with its problems before anything is saved,
then imported whole or only its valid rows through the same intake service as every other channel.

Layers, from the file inward:

- `columns`: the column spec and its aliases (one definition for the parser, the pages and the docs).
- `reading.read_upload(raw)` and `reading.read_table(text)`: file-level checks (size, encoding, CSV syntax, header,
  ragged rows, row count). They raise `CsvFileRefused` with messages a person can act on, and touch
  no database.
- `parsing.parse_row(values, ...)`: one row into `ReferralSubmission` plus the cells that could not be read.
  No database either; the business rules stay in `intake.validate_submission`.
- `checking.referral_import_check(batch)`: every row parsed and validated, duplicates in the file flagged,
  rows this agency already sent recognised (intake is idempotent on `external_id`).
- Writes, in `services`: `referral_import_upload`, `referral_import_confirm`, `referral_import_cancel`.
- Reads, scoped to the viewer, in `selectors`: `referral_import_get`, `referral_imports_recent`,
  `already_received_count`.

docs/intake-csv.md documents the file format for the people who produce it.
"""
