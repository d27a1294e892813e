"""Element sets as data: a period may use the 2014 set (Maklumat Pelayanan instead of Sarana dan
Prasarana); imports, the reporting form and the screens follow the period's set; IKM weights
are 1/N. Figures by hand."""
from __future__ import annotations

import io
import json
from datetime import date

import pytest

from tests.conftest import make_user
from tracker.domain import elements as el
from tracker.domain import scoring

HEAD = "unit,respondents,s_u1,s_u2,s_u3,s_u4,s_u5,s_u6,s_u7,s_u8,s_u9\n"


def test_the_2014_set_and_its_numbering():
    assert el.numbering_keys("permenpan2014")[7:] == ("maklumat", "pengaduan")
    assert el.set_of_numbering("permenpan2014") == "2014"
    assert el.set_of_numbering("regulation") == el.set_of_numbering("questionnaire") == "2017"
    assert el.u_code("maklumat", "permenpan2014") == "U8"
    # Weights are 1/N of the set: nine elements of 2014 weigh 1/9 each, as in 2017.
    nrrs = {k: 3.0 for k in el.ELEMENT_SETS["2014"]}
    nrrs["maklumat"] = 1.2
    assert scoring.ikm(nrrs) == pytest.approx(25 * (8 * 3.0 + 1.2) / 9)


def test_a_2014_period_imports_with_its_numbering_and_refuses_the_2017_one(app, runner, tmp_path):
    path = tmp_path / "lama.csv"
    path.write_text(HEAD + "Kantor Lama,100,300,310,280,350,320,330,340,150,360\n")
    r = runner.invoke(args=["skm", "import-scores", str(path), "--period", "2016-S1", "--numbering", "permenpan2014"])
    assert r.exit_code == 0, r.output
    unit = json.loads(runner.invoke(args=["skm", "summary", "--period", "2016-S1"]).output)["units"][0]
    assert unit["elements"]["maklumat"] == pytest.approx(1.5) and "sarpras" not in unit["elements"]
    assert unit["ikm"] == pytest.approx(25 * (3.0 + 3.1 + 2.8 + 3.5 + 3.2 + 3.3 + 3.4 + 1.5 + 3.6) / 9)
    assert unit["priorities"][0] == "maklumat"
    path.write_text(HEAD + "Kantor Baru,100,300,310,280,350,320,330,340,150,360\n")
    r = runner.invoke(args=["skm", "import-scores", str(path), "--period", "2016-S1", "--numbering", "questionnaire",
                            "--replace"])
    assert r.exit_code != 0 and "Maklumat Pelayanan" in r.output and "Pilih penomoran" in r.output


def test_the_reporting_form_follows_the_periods_set(app, client):
    from tracker.models import Unit
    from tracker.extensions import db
    from tests.helpers import login
    db.session.add(Unit(name="Kantor Lama", name_key="kantor lama"))
    db.session.commit()
    admin = make_user("admin@kota.go.id", "admin")
    make_user("m@kota.go.id", "manager", ["Kantor Lama"])
    from tracker.reporting.service import open_round
    open_round("2016-S1", date(2016, 7, 31), "", "permenpan2014", admin)
    unit = Unit.query.one()
    login(client, "m@kota.go.id")
    page = client.get(f"/pelaporan/2016-S1/unit/{unit.id}").get_data(as_text=True)
    assert 'name="nrr_maklumat"' in page and 'name="nrr_sarpras"' not in page
    data = {"mode": "form", "numbering": "questionnaire", "respondents": "40"}
    data.update({f"nrr_{k}": "3" for k in el.ELEMENT_SETS["2014"]})
    r = client.post(f"/pelaporan/2016-S1/unit/{unit.id}", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    # A file read with a 2017 numbering is refused in a 2014 round.
    r = client.post(f"/pelaporan/2016-S1/unit/{unit.id}", content_type="multipart/form-data",
                    data={"mode": "scores", "numbering": "questionnaire",
                          "file": (io.BytesIO((HEAD + "Kantor Lama,10,30,30,30,30,30,30,30,30,30\n").encode()), "x.csv")})
    assert r.status_code == 400 and "Maklumat Pelayanan" in r.get_data(as_text=True)
