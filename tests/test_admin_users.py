"""The admin manages users in the web app: create, change role and units, deactivate; bad input
is refused with a message and changes nothing."""
from tests.conftest import make_user
from tests.helpers import snapshot
from tracker.models import AuditLog, Unit, User


def _setup(loaded, auth):
    make_user("admin@kota.go.id", "admin")
    auth.login("admin@kota.go.id")
    return Unit.query.filter_by(name="UPT Solo Technopark").one()


def test_admin_creates_manager_with_units(loaded, client, auth):
    unit = _setup(loaded, auth)
    r = client.post("/admin/pengguna/baru", data={"email": "Kepala@Technopark.go.id", "name": "Kepala UPT",
                                                  "role": "manager", "units": [unit.id],
                                                  "password": "rahasia-baru-1", "active": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)
    user = User.query.filter_by(email="kepala@technopark.go.id").one()
    assert [u.name for u in user.units] == ["UPT Solo Technopark"]
    assert user.password_hash != "rahasia-baru-1" and user.check_password("rahasia-baru-1")
    assert AuditLog.query.filter_by(entity="user", entity_id=user.id, event="create").count() == 1
    # the new manager can log in and sees the unit
    client.post("/logout")
    assert auth.login("kepala@technopark.go.id", "rahasia-baru-1").status_code == 302
    assert client.get(f"/periode/2021-S1/unit/{unit.id}").status_code == 200


def test_admin_deactivates_user(loaded, client, auth):
    unit = _setup(loaded, auth)
    user = make_user("m@kota.go.id", "manager", [unit.name])
    r = client.post(f"/admin/pengguna/{user.id}", data={"email": user.email, "role": "manager",
                                                        "units": [unit.id]})  # active unticked
    assert r.status_code == 302
    assert user.active is False
    client.post("/logout")
    assert auth.login("m@kota.go.id").status_code == 401


def test_bad_user_input_refused(loaded, client, auth):
    _setup(loaded, auth)
    before = snapshot()
    cases = [
        ({"email": "x@kota.go.id", "role": "manager", "password": "rahasia123"}, "paling sedikit satu unit"),
        ({"email": "y@kota.go.id", "role": "inspector", "password": "pendek"}, "minimal 10"),
        ({"email": "admin@kota.go.id", "role": "inspector", "password": "rahasia123"}, "sudah terdaftar"),
        ({"email": "z@kota.go.id", "role": "inspector"}, "wajib diisi untuk pengguna baru"),
    ]
    for data, message in cases:
        r = client.post("/admin/pengguna/baru", data=data)
        assert r.status_code == 400, data
        assert message in r.get_data(as_text=True), (data, message)
    assert snapshot() == before
