"""Pages: the app shell's admin entry and the security headers on every page."""


def test_only_admins_see_the_directory_sync_entry(factory, login):
    factory.user("itadmin", role="admin")
    factory.user("alice")
    admin_page = login("itadmin").get("/").get_data(as_text=True)
    member_page = login("alice").get("/").get_data(as_text=True)
    assert 'href="/admin/sync"' in admin_page
    assert 'href="/admin/sync"' not in member_page
    assert login("alice").get("/admin/sync").status_code == 404


def test_pages_forbid_inline_script_and_framing(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)
