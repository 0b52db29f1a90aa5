"""`trailtech dem fetch`: tiles from a local HTTP server on 127.0.0.1 (never the internet)."""

import functools
import json
import gzip
import http.server
import threading

import numpy as np
import pytest

from trailtech.cli import main
from trailtech.dem import TileFolder
from trailtech.dem.fetch import fetch_tiles, tile_names

from tests.season._helpers import gpx_bytes, write


@pytest.fixture()
def server(tmp_path):
    root = tmp_path / "www"
    (root / "skadi" / "N45").mkdir(parents=True)
    raw = np.full((3, 3), 777).astype(">i2").tobytes()
    (root / "skadi" / "N45" / "N45E006.hgt.gz").write_bytes(gzip.compress(raw))
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/skadi/{{lat}}/{{name}}.hgt.gz", httpd
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_tile_names():
    assert tile_names([45.1, 45.9, np.nan, -0.5], [6.2, 6.9, 1.0, -0.5]) == ["N45E006", "S01W001"]


def test_fetch_downloads_unzips_and_reports_sea(server, tmp_path):
    url, httpd = server
    present, missing = fetch_tiles(["N45E006", "N45E007"], tmp_path / "dem", url=url, progress=False)
    assert [p.name for p in present] == ["N45E006.hgt"] and missing == ["N45E007"]
    assert TileFolder(tmp_path / "dem").sample([45.5], [6.5])[0] == 777
    assert not list((tmp_path / "dem").glob("*.part*"))
    httpd.shutdown()  # a tile already on disk needs no server
    present, _ = fetch_tiles(["N45E006"], tmp_path / "dem", url=url, progress=False)
    assert len(present) == 1


def test_cli_dem_fetch_then_analyze(server, tmp_path, capsys):
    url, _ = server
    run = write(tmp_path / "run.gpx", gpx_bytes(300, lat0=45.3, lon0=6.3))
    folder = tmp_path / "tiles"
    assert main(["dem", "fetch", str(run), "--dem", str(folder), "--url", url]) == 0
    assert "1 tile(s)" in capsys.readouterr().out
    capsys.readouterr()
    assert main(["analyze", str(run), "--json", "--dem", str(folder)]) == 0
    doc = json.loads(capsys.readouterr().out)
    # What the tiles decided is a note, not a warning about the recording.
    assert any("terrain tiles" in n for n in doc["notes"])  # here: the barometer kept, offset onto them
    assert not any("terrain tile" in w for w in doc["warnings"])


def test_cli_dem_fetch_unreachable_server_is_one_line(tmp_path, capsys):
    run = write(tmp_path / "run.gpx", gpx_bytes(300, lat0=45.3, lon0=6.3))
    dead = "http://127.0.0.1:9/{lat}/{name}.hgt.gz"  # the discard port: connection refused
    assert main(["dem", "fetch", str(run), "--dem", str(tmp_path / "t"), "--url", dead]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "dem fetch" in err
