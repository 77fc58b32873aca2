from port.participants.tests.test_timeline import *  # noqa

def test_dbg(cast, naloxone_lot):
    long = build_history(cast, naloxone_lot, first_name="Birgit", times=40)
    client = cast.client_for(cast.peer)
    n, page = page_queries(client, detail_url(long))
    t = timeline_part(page)
    print("queries", n, "li", t.count("<li>"), "items", t.count("<li>1 ×"), "entries", t.count("\n<li>\n"))
    open("/tmp/page.html","w").write(page)
