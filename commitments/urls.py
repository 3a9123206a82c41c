from django.urls import path

from commitments import views

app_name = "commitments"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
]
