"""The notices page, marking notices read, and the unread count in the nav."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from port.audit.models import AuditEvent
from port.notifications.models import Notice
from port.notifications.selectors import notices_named, unread_notice_count
from port.testing.budgets import assert_within_budget
from port.testing.factories import submit_referral

LIST = reverse("notifications:list")
MARK_ALL = reverse("notifications:mark_all_read")


def notice_for(membership, referral=None, *, message="A referral is overdue.", minutes_ago=0, read=False):
    referral = referral or submit_referral(membership.program)
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return Notice.objects.create(
        user=membership.user, referral=referral, message=message, created_at=at, read_at=at if read else None
    )


@pytest.fixture
def referral(cast):
    return submit_referral(cast.program)


def test_the_team_sees_its_notices_newest_first_with_unread_ones_labelled(cast, referral):
    notice_for(cast.peer, referral, message="Older, already read.", minutes_ago=90, read=True)
    notice_for(cast.peer, referral, message="Newest, not read yet.", minutes_ago=5)
    page = cast.client_for(cast.peer).get(LIST).content.decode()
    assert page.index("Newest, not read yet.") < page.index("Older, already read.")
    newest, older = page.split("Newest, not read yet.")[0], page.split("Newest, not read yet.")[1]
    assert "Unread" in newest.rsplit("<li", 1)[1]  # a text label, not colour alone
    assert "Unread" not in older.split("Older, already read.")[0].rsplit("<li", 1)[1]
    assert reverse("referrals:detail", args=[referral.public_id]) in page
    assert "1 unread" in page


def test_a_team_member_sees_who_each_notice_is_about_and_the_read_is_audited(cast):
    referral = submit_referral(cast.program, first_name="Rosalind", last_name="Quackenbush", preferred_name="Roz")
    notice_for(cast.peer, referral, message="Overdue since Nov 25, 3:00 PM EST: nobody has reached the person yet.")
    page = cast.client_for(cast.peer).get(LIST).content.decode()
    assert "Roz Quackenbush" in page
    assert reverse("referrals:detail", args=[referral.public_id]) in page
    entry = AuditEvent.objects.filter(action=AuditEvent.Action.LIST, user=cast.peer.user).get()
    assert (entry.target_type, entry.target_ids, entry.participant_ids) == (
        "referrals.referral",
        [str(referral.pk)],
        [referral.participant_id],
    )
    # The stored text stays free of names: the name is rendered from the referral, for this viewer.
    assert "Roz" not in Notice.objects.get().message and "Quackenbush" not in Notice.objects.get().message


def test_a_notice_about_a_referral_the_viewer_cannot_see_names_no_one(cast):
    referral = submit_referral(cast.program, first_name="Rosalind", last_name="Quackenbush")
    notice = notice_for(cast.outsider, referral)
    [shown] = notices_named(viewer=cast.outsider, notices=[notice])
    assert shown.person_name == ""
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LIST).exists()


def test_a_page_of_notices_without_referrals_is_not_audited(cast):
    Notice.objects.create(user=cast.peer.user, message="Welcome.")
    page = cast.client_for(cast.peer).get(LIST).content.decode()
    assert "Welcome." in page
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LIST).exists()


@pytest.mark.parametrize("role", ["admin", "supervisor", "peer"])
def test_every_team_role_has_a_notices_page(cast, role):
    assert cast.client_for(getattr(cast, role)).get(LIST).status_code == 200


def test_referral_partners_may_not_use_notices(cast):
    client = cast.client_for(cast.partner)
    assert client.get(LIST).status_code == 403
    assert client.post(MARK_ALL).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in():
    response = Client().get(LIST)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_person_sees_only_their_own_notices(cast, referral):
    notice_for(cast.peer, referral, message="For Pat.")
    notice_for(cast.supervisor, referral, message="For Sam.")
    notice_for(cast.outsider, message="For Olga in Hilltop.")
    pat = cast.client_for(cast.peer).get(LIST).content.decode()
    assert "For Pat." in pat and "For Sam." not in pat and "For Olga" not in pat
    olga = cast.client_for(cast.outsider).get(LIST).content.decode()
    assert "For Olga in Hilltop." in olga and "For Pat." not in olga


def test_a_person_acting_in_another_program_sees_that_programs_notices(cast, referral):
    # Quinn also works for Hilltop; a Riverside notice links to a Riverside referral only Riverside may open.
    cast.other_program.memberships.create(user=cast.peer2.user, role="peer")
    notice_for(cast.peer2, referral, message="Riverside referral.")
    client = cast.client_for(cast.peer2)
    session = client.session
    session["program_id"] = cast.other_program.pk
    session.save()
    page = client.get(LIST).content.decode()
    assert "Riverside referral." not in page


def test_mark_all_read_marks_only_the_persons_own_notices(cast, referral):
    mine = [notice_for(cast.peer, referral) for _ in range(3)]
    theirs = notice_for(cast.supervisor, referral)
    response = cast.client_for(cast.peer).post(MARK_ALL, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "3 notices marked read." in response.content.decode()
    assert all(Notice.objects.get(pk=n.pk).read_at for n in mine)
    assert Notice.objects.get(pk=theirs.pk).read_at is None


def test_mark_all_read_needs_a_post(cast):
    assert cast.client_for(cast.peer).get(MARK_ALL).status_code == 405


def test_one_notice_can_be_marked_read_but_not_someone_elses(cast, referral):
    mine = notice_for(cast.peer, referral)
    theirs = notice_for(cast.supervisor, referral)
    client = cast.client_for(cast.peer)
    assert client.post(reverse("notifications:mark_read", args=[mine.pk])).status_code == 302
    assert Notice.objects.get(pk=mine.pk).read_at is not None
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    assert Notice.objects.get(pk=theirs.pk).read_at is None


def test_the_nav_shows_the_unread_count_to_the_team_only(cast, referral):
    for _ in range(3):
        notice_for(cast.peer, referral)
    notice_for(cast.peer, referral, read=True)
    page = cast.client_for(cast.peer).get(reverse("referrals:my_queue")).content.decode()
    assert f'href="{LIST}"' in page
    assert 'Notices (3)<span class="visually-hidden"> unread</span>' in page
    cast.client_for(cast.peer).post(MARK_ALL)
    page = cast.client_for(cast.peer).get(reverse("referrals:my_queue")).content.decode()
    assert "Notices</a>" in page and "Notices (" not in page
    partner_page = cast.client_for(cast.partner).get(reverse("referrals:sent")).content.decode()
    assert f'href="{LIST}"' not in partner_page


def test_the_unread_count_is_one_query(cast, referral):
    for _ in range(5):
        notice_for(cast.peer, referral)
    with assert_within_budget("unread_notice_count"):
        assert unread_notice_count(viewer=cast.peer) == 5


def test_pages_make_the_same_number_of_queries_for_one_or_many_unread_notices(cast, referral):
    client = cast.client_for(cast.peer)
    client.get(reverse("referrals:my_queue"))  # warm the session
    counts = []
    for how_many in (1, 30):
        Notice.objects.all().delete()
        for _ in range(how_many):
            notice_for(cast.peer, referral)
        for url in (reverse("referrals:my_queue"), LIST):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200
            counts.append((url, len(queries)))
    assert counts[:2] == counts[2:], counts


def test_the_notices_page_is_paged(cast, referral):
    for minutes in range(60):
        notice_for(cast.peer, referral, message=f"Notice number {minutes}.", minutes_ago=minutes)
    client = cast.client_for(cast.peer)
    first = client.get(LIST).content.decode()
    assert "Notice number 0." in first and "Notice number 59." not in first
    assert "Page 1 of 2" in first
    assert "Notice number 59." in client.get(LIST + "?page=2").content.decode()
    assert client.get(LIST + "?page=nonsense").status_code == 200
