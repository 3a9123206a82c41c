from django.urls import path

from accounts import views

# Named without a namespace, as Django's auth views expect ("password_change_done").
urlpatterns = [
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
