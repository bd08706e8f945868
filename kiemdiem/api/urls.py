from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from kiemdiem.api import classification, documents, oversight, pages, records, views

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
router.register("working-groups", oversight.WorkingGroupViewSet, basename="working-group")
router.register("group-members", oversight.GroupMemberViewSet, basename="group-member")
router.register("oversight-assignments", oversight.AssignmentViewSet, basename="assignment")
router.register("work-programmes", oversight.ProgrammeViewSet, basename="programme")
router.register("oversight-activities", oversight.ActivityViewSet, basename="activity")
router.register("assessments", oversight.AssessmentViewSet, basename="assessment")
router.register("group-reports", oversight.GroupReportViewSet, basename="group-report")
router.register(
    "implementation-plans", oversight.ImplementationPlanViewSet, basename="implementation-plan"
)
router.register("draft-comments", oversight.DraftCommentViewSet, basename="draft-comment")
router.register("directive-tasks", oversight.DirectiveTaskViewSet, basename="directive-task")
router.register(
    "implementation-reports",
    oversight.ImplementationReportViewSet,
    basename="implementation-report",
)
router.register("notifications", oversight.NotificationViewSet, basename="notification")
router.register("rating-rounds", classification.RatingRoundViewSet, basename="rating-round")
router.register("ratings", classification.RatingViewSet, basename="rating")
router.register(
    "recheck-campaigns", classification.RecheckCampaignViewSet, basename="recheck-campaign"
)
router.register("recheck-tasks", classification.RecheckTaskViewSet, basename="recheck-task")
router.register("recheck-items", classification.RecheckItemViewSet, basename="recheck-item")
router.register("record-imports", classification.RecordImportViewSet, basename="record-import")
router.register("peer-groups", classification.PeerGroupViewSet, basename="peer-group")
router.register(
    "outgoing-documents", documents.OutgoingDocumentViewSet, basename="outgoing-document"
)

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
    path("document-kinds/", documents.document_kinds, name="document-kinds"),
    path("documents/<slug:kind>/<int:pk>/docx/", documents.document_docx, name="document-docx"),
    path("documents/<slug:kind>/<int:pk>/pdf/", documents.document_pdf, name="document-pdf"),
    path("documents/<slug:kind>/<int:pk>/issue/", documents.document_issue, name="document-issue"),
    path(
        "documents/<slug:kind>/<int:pk>/signers/",
        documents.document_signers,
        name="document-signers",
    ),
    path("", include(router.urls)),
]
