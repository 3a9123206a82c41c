from django.urls import path

from commitments.views import home

app_name = "commitments"

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
]
