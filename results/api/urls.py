# Placeholder until the API is written (this session).
urlpatterns = []
