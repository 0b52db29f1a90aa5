"""atheris harness: the GPX reader through ``trailtech.io.load`` (see :mod:`fuzz.targets`).

    python -m fuzz.fuzz_gpx -max_total_time=600 -timeout=20 -rss_limit_mb=1024 [CORPUS_DIR]
"""

from fuzz.targets import main

if __name__ == "__main__":
    main("gpx")
