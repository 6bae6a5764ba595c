"""The site's URLs: admin and API unprefixed; pages and views in /, or /en/ for English."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib.auth import views as auth_views
from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from search import views as search_views


def healthz(request):
    """Liveness probe for load balancers: no database, no session."""
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
def bench_floor(request):
    """The benchmark's reference: the least a Django view can do (bench/README.md).

    It answers GET for the page benchmarks and POST (reading the body, touching no database)
    for the write benchmarks, whose endpoints have the same shape.
    """
    if request.method == "POST":
        return JsonResponse({"ok": True, "bytes": len(request.body)})
    return HttpResponse("floor", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/", include("config.api")),
    path("xapi/", include("lrs.urls")),
    path("courseware/", include("courseware.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("search/", search_views.search, name="search"),
    path("exam/", include("assessment.urls")),
    path("", include("lms.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

if settings.TAYNGHE_BENCH_ENDPOINTS:
    urlpatterns.insert(0, path("bench/floor", bench_floor))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
