from django.urls import path

from csdp.restrictions import views, views_staff

app_name = "restrictions"
urlpatterns = [
    # the parties (board users)
    path("pledges/", views.pledge_list, name="pledge_list"),
    path("pledges/new/", views.pledge_new, name="pledge_new"),
    path("pledges/<int:pledge_id>/", views.pledge_detail, name="pledge_detail"),
    path("pledges/<int:pledge_id>/confirm/", views.pledge_confirm_view, name="pledge_confirm"),
    path("pledges/<int:pledge_id>/withdraw/", views.pledge_withdraw_view, name="pledge_withdraw"),
    path("pledges/<int:pledge_id>/certificate.pdf", views.pledge_certificate, name="pledge_certificate"),
    path("pledges/<int:pledge_id>/release/", views.release_new, name="release_new"),
    path("releases/<int:release_id>/confirm/", views.release_confirm_view, name="release_confirm"),
    path("releases/<int:release_id>/withdraw/", views.release_withdraw_view, name="release_withdraw"),
    path("verify/", views.verify, name="verify"),
    # staff
    path("staff/pledges/", views_staff.staff_pledges, name="staff_pledges"),
    path("staff/pledges/<int:pledge_id>/review/", views_staff.pledge_review, name="pledge_review"),
    path("staff/releases/<int:release_id>/review/", views_staff.release_review, name="release_review"),
    path("freezes/", views_staff.freeze_list, name="freeze_list"),
    path("freezes/new/", views_staff.freeze_new, name="freeze_new"),
    path("freezes/<int:freeze_id>/", views_staff.freeze_detail, name="freeze_detail"),
    path("freezes/<int:freeze_id>/renew/", views_staff.freeze_renew, name="freeze_renew"),
    path("freezes/<int:freeze_id>/unfreeze/", views_staff.freeze_unfreeze, name="freeze_unfreeze"),
    path("freezes/<int:freeze_id>/deduct/", views_staff.freeze_deduct, name="freeze_deduct"),
    path("transfers/", views_staff.transfer_list, name="transfer_list"),
    path("transfers/new/", views_staff.transfer_new, name="transfer_new"),
    path("files/", views_staff.files, name="files"),
    path("files/<int:restriction_file_id>/", views_staff.file_download, name="file_download"),
]
