from django.urls import path

from csdp.counter import views, views_staff

app_name = "counter"
urlpatterns = [
    path("list/", views.application_list, name="list"),
    path("new/notice/", views.notice, name="notice"),
    path("new/", views.application_new, name="new"),
    path("new/guide/", views.type_guide, name="type_guide"),
    path("<int:application_id>/", views.application_detail, name="detail"),
    path("<int:application_id>/confirm/", views.application_confirm, name="confirm"),
    path("<int:application_id>/resubmit/", views.application_resubmit, name="resubmit"),
    path("<int:application_id>/withdraw/", views.application_withdraw_view, name="withdraw"),
    path("<int:application_id>/confirm-results/", views.results_confirm, name="confirm_results"),
    path("files/<int:attachment_id>/", views.file_download, name="file_download"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("templates/<int:template_id>/", views.template_download, name="template_download"),
    # staff
    path("queue/", views_staff.queue, name="queue"),
    path("<int:application_id>/assign/", views_staff.assign, name="assign"),
    path("<int:application_id>/accept/", views_staff.accept, name="accept"),
    path("<int:application_id>/return/", views_staff.return_application, name="return"),
    path("<int:application_id>/results/", views_staff.result_upload, name="result_upload"),
    path("<int:application_id>/issue-results/", views_staff.issue_results, name="issue_results"),
    path("files/<int:attachment_id>/remove/", views_staff.result_remove, name="result_remove"),
    path("catalogue/<int:business_type_id>/", views_staff.catalogue_edit, name="catalogue_edit"),
    path("catalogue/<int:business_type_id>/templates/", views_staff.template_upload, name="template_upload"),
    path("templates/<int:template_id>/delete/", views_staff.template_delete, name="template_delete"),
]
