"""Synthetic demo data, on the top floor: it builds through every room's services.

- `seed.demo_program_create` makes the demo program (`manage.py seed_demo`) from the pieces below.
- `cast`: the agencies and users for any program (`demo_cast_create`; a benchmark can use it too).
- `names`: the made-up people.
- `referrals`: `demo_referrals_create`, N referrals for any program, deterministic for a seed;
  `attempts` plans the contact attempts behind their statuses and `tables` writes the bulk.
- `field_work`: stock, supporters, visits and calls; `consents`: consents and one hand-off.
"""
