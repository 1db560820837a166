import pytest

from tests.disagreements.pages import partnership_with_case

pytestmark = pytest.mark.django_db


def test_pages_render(client):
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    for url in [
        "/",
        f"/disagreements/{d.pk}/",
        f"/disagreements/{d.pk}/record/",
        f"/disagreements/{d.pk}/withdraw/",
        "/disagreements/new/",
        "/disagreements/new/about/",
        "/disagreements/new/check/",
    ]:
        r = client.get(url)
        print(url, r.status_code)
        assert r.status_code in (200, 302), r.text[:3000]
    client.force_login(demo.unit)
    r = client.get("/oversight/")
    assert r.status_code == 200, r.text[:3000]
    assert d.reference in r.text
