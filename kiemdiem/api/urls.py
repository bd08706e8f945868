from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from kiemdiem.api import pages, records, views

app_name = "api"

router = DefaultRouter()
router.register("units", views.UnitViewSet, basename="unit")
router.register("people", views.PersonViewSet, basename="person")
router.register("positions", views.PositionViewSet, basename="position")
router.register("cycles", views.CycleViewSet, basename="cycle")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("findings", views.FindingViewSet, basename="finding")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("plan-items", views.PlanItemViewSet, basename="plan-item")
router.register("reports", views.ReportViewSet, basename="report")
router.register("discipline-cases", records.DisciplineCaseViewSet, basename="discipline-case")
router.register("confidence-polls", records.ConfidencePollViewSet, basename="confidence-poll")
router.register("confidence-results", records.ConfidenceResultViewSet, basename="confidence-result")
router.register("suggestions", records.SuggestionViewSet, basename="suggestion")
router.register("review-dossiers", records.DossierViewSet, basename="review-dossier")
router.register("commitments", records.CommitmentViewSet, basename="commitment")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The reference people read (server-rendered, accessible, no script); the interactive
    # Swagger UI (a third-party page that does not pass axe-core) stays for developers at
    # docs/thu/, named in docs/api.md, linked from no page.
    path("docs/", pages.reference, name="docs"),
    path(
        "docs/thu/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs-try",
    ),
    path("", include(router.urls)),
]
