"""What other rooms may react to without the referrals room knowing them (linkage makes check-in
tasks when a person is first reached and closes open tasks when a case closes).

`referral_status_changed` is sent inside the transaction of the change, after it is saved and audited,
with `referral`, `from_status`, `to_status`, `reason` and `by` (the Membership, or None for a rule).
A receiver that raises undoes the change.
"""

from django.dispatch import Signal

referral_status_changed = Signal()
