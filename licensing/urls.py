"""Pages of licensing: Users > Active users, Billing > Your products and Billing > Licenses."""
from django.urls import path, re_path

from .views import add_user, billing, columns, deleted_users, users

app_name = "licensing"

urlpatterns = [
    path("users/active/", users.active_users_page, name="active_users"),
    path("users/active/manage-licenses/", users.manage_licenses, name="manage_licenses"),
    path("users/active/columns/", columns.choose_columns, name="choose_columns"),
    path("users/active/export.csv", users.export_users, name="export_users"),
    path("users/active/add/", add_user.add_user, name="add_user"),
    path("users/active/add/finish/", add_user.add_user_finish, name="add_user_finish"),
    path("users/active/add/cancel/", add_user.add_user_cancel, name="add_user_cancel"),
    path("users/active/add/<slug:step>/", add_user.add_user, name="add_user_step"),
    path("users/active/<uuid:user_id>/", users.user_panel, name="user_panel"),
    path("users/active/<uuid:user_id>/licenses/", users.user_licenses_save, name="user_licenses_save"),
    path("users/active/<uuid:user_id>/edit/", users.user_edit, name="user_edit"),
    path("users/active/<uuid:user_id>/sign-in/", users.user_sign_in, name="user_sign_in"),
    path("users/active/<uuid:user_id>/reset-password/", users.user_reset_password, name="user_reset_password"),
    path("users/active/<uuid:user_id>/delete/", deleted_users.user_delete, name="user_delete"),
    path("users/deleted/", deleted_users.deleted_users_page, name="deleted_users"),
    path("users/deleted/<uuid:user_id>/restore/", deleted_users.user_restore, name="user_restore"),
    path("billing/products/", billing.products, name="products"),
    path("billing/products/<int:subscription_id>/", billing.product_detail, name="product_detail"),
    re_path(r"^billing/products/(?P<subscription_id>[0-9]+)/(?P<action>buy|remove)/$", billing.product_quantity,
            name="product_quantity"),
    path("billing/licenses/", billing.licenses, name="licenses"),
    path("billing/licenses/<int:subscription_id>/", billing.license_detail, name="license_detail"),
    path("billing/licenses/<int:subscription_id>/assign/", billing.license_assign, name="license_assign"),
    path("billing/licenses/<int:subscription_id>/unassign/", billing.license_unassign, name="license_unassign"),
]
