from django.urls import include, path

from port.accounts.admin_site import admin_site
from port.core import views as core_views
from port.outreach import views as outreach_views
from port.reports import views as reports_views
from port.supplies import urls as supplies_urls

# The inventory's namespace, plus its two pages that read encounters (served by outreach, which stands
# above supplies: the ledger knows no encounter).
supplies_pages = [
    *supplies_urls.urlpatterns,
    path("report/", outreach_views.distribution_report, name="report"),
    path("lots/<int:pk>/", outreach_views.lot_detail, name="lot"),
]

urlpatterns = [
    path("", reports_views.home, name="home"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("port.accounts.urls")),
    path("security/", include("port.security.urls")),
    path("referrals/", include("port.referrals.urls")),
    path("participants/", include("port.casefile.urls")),
    path("supplies/", include((supplies_pages, "supplies"))),
    path("notices/", include("port.notifications.urls")),
    path("outreach/", include("port.outreach.urls")),
    path("consent/", include("port.consent.urls")),
    path("directory/", include("port.directory.urls")),
    path("", include("port.linkage.urls")),
    path("audit/", include("port.oversight.urls")),
    path("help/", include("port.referrals.urls_public")),
    path("api/v1/", include("port.api.urls")),
    path("admin/", admin_site.urls),
]

handler404 = "port.core.views.page_not_found"
handler500 = "port.core.views.server_error"
