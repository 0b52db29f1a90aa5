"""Every threshold trailtech uses, in one frozen dataclass with units and sources.

Each field's ``metadata["source"]`` names where its default comes from: a paper, a vendor,
an open-source tool, or ``"heuristic, tuned on ..."``. The sources are summarised in
``shared/design/science.md`` (Appendix A) of the project.

Examples
--------
>>> from trailtech.config import AnalysisConfig
>>> cfg = AnalysisConfig(distance_grid_m=10.0)
>>> cfg.distance_grid_m
10.0
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["AnalysisConfig", "describe"]


def _f(default: Any, source: str, lo: float | None = None, hi: float | None = None):
    return field(default=default, metadata={"source": source, "min": lo, "max": hi})


@dataclass(frozen=True)
class AnalysisConfig:
    """Tuning parameters of the pipeline and the analyses (all keyword, all unit-suffixed)."""

    # --- timeline and gaps (science.md topic 4) ---
    time_grid_s: float = _f(1.0, "1 Hz timeline, science.md 4 step 1", 0.1, 10)
    max_interpolate_gap_s: float = _f(10.0, "heuristic: never invent points across >10 s", 1, 120)
    gap_break_s: float = _f(60.0, "heuristic: gaps over 60 s split the recording", 5, 3600)
    max_running_speed_mps: float = _f(8.0, "science.md 4 step 9: reject v > 8 m/s (running)", 3, 50)
    max_accel_mps2: float = _f(4.0, "science.md 4 step 9: reject |a| > 4 m/s^2", 1, 20)
    max_other_speed_mps: float = _f(35.0, "heuristic: 126 km/h, above road-cycling descents (~100 km/h); limit for sessions not on foot (cycling, skiing...) of multisport files", 3, 100)
    max_other_accel_mps2: float = _f(10.0, "heuristic: ~1 g, the tyre-grip limit of braking; sessions not on foot", 1, 30)
    max_foot_median_speed_mps: float = _f(6.0, "heuristic: a session of generic/unknown sport is on foot when its median moving speed is <= 6 m/s (marathon world-record pace is 5.8 m/s; trail runners move at 2-4 m/s)", 1, 20)
    stray_gap_s: float = _f(86400.0, "heuristic, as the FIT reader (io/fit_content.py): at most 10 samples (1 %) cut off at either end by a gap of more than a day are a broken clock and are dropped", 600, 1e10)
    max_timeline_s: float = _f(604800.0, "heuristic: 7 days of recorded time grid (~600k rows at 1 Hz, a few hundred MB), above the longest single-push mountain ultras (Tor des Geants cut-off 150 h); longer recordings are refused so one upload cannot exhaust memory (gaps over gap_break_s are not materialised and do not count)", 3600, 1e8)
    max_distance_m: float = _f(2.0e6, "heuristic: 2000 km (a 400k-point profile at 5 m), above any single foot or multisport activity; longer tracks are refused so one upload cannot exhaust memory", 1e3, 1e8)

    # --- elevation and grade ---
    distance_grid_m: float = _f(5.0, "NREL / Schroeder spatialfriend: 5 m resampling [OSS]", 1, 50)
    sg_window_baro_m: float = _f(55.0, "science.md 4 step 5: SG 11 pts x 5 m, barometric", 10, 500)
    sg_window_gps_m: float = _f(205.0, "science.md 4 step 5 (105 m [OSS]) widened to 41 pts x 5 m: tuned on the simulator's GPS altitude (40 s-correlated noise), docs/accuracy.md", 10, 500)
    sg_polyorder: int = _f(2, "Savitzky-Golay order 2 (Duran & Earleywine 2012)", 1, 5)
    grade_baseline_baro_m: float = _f(50.0, "science.md 4.4: sigma_g = sqrt2 sigma_r / L", 10, 500)
    grade_baseline_gps_m: float = _f(100.0, "science.md 4.4; Chan 2025 100 m blocks", 10, 500)
    ascent_hysteresis_baro_m: float = _f(2.0, "Strava barometric 2 m [V]", 0, 50)
    ascent_hysteresis_gps_m: float = _f(10.0, "Strava 10 m for GPS elevation [V]; 5 m (TwoNav) overcounts by ~10% on the simulator, docs/accuracy.md", 0, 50)
    baro_max_fit_residual_m: float = _f(0.65, "heuristic, tuned on the real corpus: robust residual around a 30 s line fit is 0.16-0.59 m for barometers at 1 s (0.20-0.75 m thinned to 5 s), 0.79-1.25 m for GPS altitude; docs/accuracy.md", 0.05, 10)
    baro_fit_half_window_s: float = _f(15.0, "heuristic: 30 s windows hold 6 samples even under 5 s smart recording", 5, 120)
    elevation_source: str = _f("auto", "'auto' (device table, else the residual test; terrain tiles for GPS altitude when given), or forced: 'barometric', 'gps', 'dem'")
    dem_dir: str = _f("", "folder of terrain tiles (SRTM .hgt, GeoTIFF); empty: $TRAILTECH_DEM, else none")
    dem_min_coverage: float = _f(0.5, "heuristic: tiles replace GPS altitude when they cover at least half of the positioned rows; the rest keeps GPS altitude shifted onto the tiles", 0, 1)
    sg_window_dem_m: float = _f(55.0, "as sg_window_baro_m: tile heights carry no sample noise, only 2-5 m error correlated over ~100 m; tuned on the simulator, docs/accuracy.md", 10, 500)
    grade_baseline_dem_m: float = _f(100.0, "SRTM/Copernicus 30-90 m posts: grade over 100 m (as GPS)", 10, 500)
    ascent_hysteresis_dem_m: float = _f(10.0, "Strava 10 m for non-barometric elevation [V]; tuned on the simulator's tiles (30-90 m grid, 2-5 m error correlated over ~100 m: 4-8 m leave +3 to +8 % spurious descent), docs/accuracy.md", 0, 50)
    dem_gps_weight: float = _f(0.5, "inverse-variance weight of two independent errors of similar size (DEM 2-5 m, GPS altitude ~4 m) within the DEM error's band; chosen among 0.4-0.7 on the simulator (seeds 0-13, 1 and 3 arc-second posts, 2-5 m error), docs/elevation-accuracy.md; 0 uses the tiles alone", 0, 1)
    dem_gps_short_m: float = _f(60.0, "DEM error is correlated over ~100 m of ground (SRTM/Copernicus): shorter wavelengths of gps - dem are GPS jitter (Gaussian sigma [m]); tuned on the simulator, docs/elevation-accuracy.md", 5, 1000)
    dem_gps_long_m: float = _f(400.0, "longer wavelengths of gps - dem are GPS drift and offset, which the DEM does not have (Gaussian sigma [m]); tuned on the simulator, docs/elevation-accuracy.md", 20, 20000)
    dem_gps_max_noise_m: float = _f(8.0, "heuristic: GPS altitude is blended in only when gps - dem varies by at most 8 m (robust sigma) within the band, about twice the simulator's 2.6-5.4 m; noisier phone altitude would add more error than it removes", 0, 100)
    hampel_window_s: float = _f(7.0, "science.md 4 step 3: Hampel filter over 7 s", 3, 60)
    max_vertical_speed_mps: float = _f(2.0, "science.md 4 step 3: clamp |dh/dt| <= 2 m/s", 0.5, 20)
    vam_window_s: float = _f(30.0, "science.md 4 step 8: 30 s centred regression", 5, 300)
    gps_hysteresis_noise_factor: float = _f(6.0, "heuristic: GPS-altitude hysteresis = 6 x robust sigma of the smoothing residual, between ascent_hysteresis_baro_m and ascent_hysteresis_gps_m (9-10 m on the simulator's GPS noise, 4.5-5 m on the two real GPS-altitude FIT files, whose ascent error vs the device fell from -23/-14 % to -13/-2 %), docs/accuracy.md", 1, 50)

    # --- moving / stopped (science.md 4 step 10) ---
    stop_speed_mps: float = _f(0.3, "gpxpy 1 km/h [OSS]; science.md 4 step 10", 0, 2)
    resume_speed_mps: float = _f(0.5, "science.md 4 step 10 [H]", 0, 3)
    stop_cadence_spm: float = _f(20.0, "science.md 4 step 10 [H]", 0, 100)
    resume_cadence_spm: float = _f(60.0, "science.md 4 step 10 [H]", 0, 150)
    stop_vertical_speed_mps: float = _f(0.1, "science.md 4 step 10 [H] (0.05) raised above barometric noise of a 10 s regression; tuned on the simulator, docs/accuracy.md", 0, 1)
    resume_vertical_speed_mps: float = _f(0.15, "science.md 4 step 10 [H] (0.1) raised with the stop band; tuned on the simulator", 0, 1)
    stop_min_s: float = _f(10.0, "Strava phone auto-pause 10 s [V]", 1, 120)
    resume_min_s: float = _f(3.0, "science.md 4 step 10 [H]", 1, 60)

    # --- grade-adjusted pace (science.md topic 1) ---
    gap_model: str = _f("strava2017", "Strava 2017 table reverse-engineered by Schroeder [R]")
    gap_grade_clip: float = _f(0.45, "validated range of Minetti 2002 and Strava table", 0.1, 1)

    # --- cadence and gait (science.md topic 2) ---
    flat_grade_max: float = _f(0.02, "science.md 3 M1: |g| < 0.02 is flat", 0, 0.1)
    walk_run_cadence_spm: float = _f(140.0, "Hum Mov Sci 2023 90:103117: 140 spm, 91% accuracy [P]", 100, 180)
    walk_run_clamp_lo_spm: float = _f(115.0, "science.md Appendix A: clamp 125-155; issue 15: 115, where runpandas/run.fit's trough (running from 130 spm) is centred; walking-only files are kept whole by the peaks check (scripts/gait_stability.py)", 80, 180)
    walk_run_clamp_hi_spm: float = _f(155.0, "science.md Appendix A: clamp 125-155", 80, 200)
    gait_hysteresis_spm: float = _f(5.0, "science.md 2A step 3 [H]", 0, 30)
    gait_dwell_s: float = _f(5.0, "science.md 2A step 3 [H]", 1, 60)
    gait_min_bout_s: float = _f(15.0, "science.md 2A step 5: bouts < 15 s merged [H]", 1, 120)
    hike_prior_tobler_scale: float = _f(1.3, "science.md 2C: 1.3 x Tobler [H]", 0.5, 3)
    should_hike_ratio: float = _f(1.05, "coaching rule: running no faster than hiking [H]", 1, 2)
    marginal_hike_ratio: float = _f(1.15, "science.md 2C [H]", 1, 2)
    could_run_ratio: float = _f(1.25, "science.md 2C step 4 [H]", 1, 3)
    hike_favoured_grade: float = _f(0.28, "Giovanelli 2016: walking cheaper above ~28% [P]", 0.1, 1)
    gait_majority_s: float = _f(10.0, "science.md 2A step 5: 10 s majority filter [H]", 1, 120)
    gait_anchor_ratio: float = _f(0.75, "issue 15: without cadence, v_wrt(g) is scaled to this share of the runner's flat running pace when slower (0.7-0.85 give the same per-file agreement within 0.5 point; scripts/gait_without_cadence.py) [H]", 0.3, 1.5)
    gait_jog_min_mps: float = _f(1.6, "issue 15: one flat gait at least this fast may be a jog (a walker at 1.7 m/s in the corpus is told apart by heart rate) [H]", 0.5, 3)
    gait_jog_min_hr_bpm: float = _f(110.0, "issue 15: median flat heart rate of a jog (corpus: walker 93-98 bpm, joggers 126-136 bpm) [H]", 60, 200)
    judge_min_bout_s: float = _f(30.0, "science.md 2C step 2: judge run bouts >= 30 s [H]", 1, 600)
    should_hike_min_grade: float = _f(0.10, "science.md 2C step 2: climbs with mean g >= 0.10 [H]", 0, 1)
    could_run_max_grade: float = _f(0.12, "science.md 2C step 4: hike bouts on g < 0.12 [H]", 0, 1)
    long_climb_s: float = _f(300.0, "science.md 2C step 2: marginal R flagged on climbs > 5 min [H]", 0, 7200)
    crossover_bandwidth_grade: float = _f(0.05, "issue 15: kernel half-width of the observed crossover, read on simulated runners (scripts/hike_run_accuracy.py) [H]", 0.01, 0.2)
    crossover_min_pieces: int = _f(3, "issue 15: climbing pieces of each gait near a comparable grade [H]", 1, 100)
    crossover_min_s: float = _f(180.0, "issue 15: climbing time of each gait near a comparable grade [H]", 0, 7200)
    crossover_max_ci_grade: float = _f(0.06, "issue 15: widest 90 % interval still reported: a wrong crossover is worse than none [H]", 0.005, 0.5)
    crossover_fit_bandwidth_grade: float = _f(0.15, "issue 15: kernel half-width of each gait's local quadratic speed fit, read on simulated runners (scripts/hike_run_accuracy.py) [H]", 0.02, 0.3)
    crossover_support_s: float = _f(120.0, "issue 15: climbing time of each gait within the bandwidth of an observed crossover [H]", 0, 7200)
    flag_min_m: float = _f(100.0, "issue 15: no hike/run flag shorter than 100 m [H]", 0, 5000)
    flag_min_s: float = _f(60.0, "issue 15: no hike/run flag shorter than 60 s [H]", 0, 3600)

    # --- segments (science.md 2B and 3A) ---
    climb_enter_grade: float = _f(0.06, "science.md 2B [H]", 0, 0.5)
    climb_exit_grade: float = _f(0.03, "science.md 2B [H]", 0, 0.5)
    climb_min_length_m: float = _f(100.0, "science.md 2B [H]", 10, 5000)
    climb_min_gain_m: float = _f(15.0, "science.md 2B [H]", 1, 1000)
    descent_enter_grade: float = _f(-0.05, "science.md 3A [H]", -0.5, 0)
    descent_exit_grade: float = _f(-0.02, "science.md 3A [H]", -0.5, 0)
    descent_min_length_m: float = _f(100.0, "science.md 3A [H]", 10, 5000)
    descent_min_drop_m: float = _f(10.0, "science.md 3A [H]", 1, 1000)
    merge_gap_m: float = _f(30.0, "science.md 2B/3A: merge across dips < 30 m [H]", 0, 500)
    merge_dip_m: float = _f(3.0, "science.md 2B: merge across dips giving back < 3 m [H]", 0, 50)
    merge_dip_max_gap_m: float = _f(250.0, "heuristic: shallow-dip merging only across <= 250 m (benches on a climb), tuned on the simulator", 0, 2000)

    # --- descent control (science.md topic 3) ---
    cadence_target_delta_spm: float = _f(5.0, "coaching: +5-7 spm over flat cadence on technical descents")
    braking_drop_mps: float = _f(0.6, "science.md 3B M4 [H], above Doppler noise (Townshend 2008)", 0.1, 5)
    braking_window_s: float = _f(2.0, "science.md 3B M4 [H]", 1, 10)
    technical_threshold: float = _f(0.5, "science.md 3D [H]", 0, 1)
    braking_ratio_good: float = _f(0.03, "science.md 3B M5 [H]: braking work <= 3% of potential energy released (real-corpus median 2.7%)", 0, 10)
    braking_ratio_poor: float = _f(0.15, "science.md 3B M5 [H]: braking work >= 15% of potential energy released (real-corpus max 22%, simulated switchbacks 9%)", 0, 10)
    braking_cadence_drop_spm: float = _f(4.0, "issue 14 [H]: a braking surge is a speed drop with the cadence falling >= 4 spm (a rigid brake plants the foot ahead and the step rate collapses; a slow-down taken in control keeps it, Lieberman et al. 2015); the simulator's controlled runner keeps cadence within ~2 spm", 0, 50)
    braking_noise_factor: float = _f(3.0, "issue 14 [H]: the braking drop is at least 3 x the measured noise of the speed source (Doppler ~0.1 m/s, Townshend 2008; position-differenced speed several times that)", 0, 20)
    max_braking_interval_s: float = _f(3.0, "issue 14 [H]: braking surges (<= 2 s) are measured only from samples at most 3 s apart; sparser data leave the part out and say so", 1, 60)
    braking_min_dense_share: float = _f(0.01, "issue 14 [H]: a recording with >= 1 % of its sample spacings <= max_braking_interval_s adapts to speed changes (smart recording writes a point on each), so braking surges are measured; a fixed sparse interval has none", 0, 1)
    braking_surges_good_per_100m: float = _f(0.5, "issue 14 [H]: <= 0.5 braking surges per 100 m scores full marks", 0, 20)
    braking_surges_poor_per_100m: float = _f(1.5, "issue 14 [H]: >= 1.5 braking surges per 100 m scores 0 (the simulator braking at every 30 m hairpin makes 3.3) (science.md 3B M4 poor at 3 events, which counted terrain-forced slow-downs too)", 0, 50)
    pitch_min_length_m: float = _f(100.0, "issue 14 [H]: steep or technical pitches of >= ~100 m inside a long descent are scored on their own", 20, 2000)
    pitch_max_grade: float = _f(-0.15, "issue 14 [H]: a pitch is steep at grade <= -15 % (science.md 3B M6: shorter steps on g <= -0.15)", -1, 0)
    technical_max_grade: float = _f(-0.08, "science.md 3D: technical descents have mean grade <= -0.08 [H]", -1, 0)
    steadiness_prior_s: float = _f(50.0, "issue 14 [H]: a stretch's cadence steadiness leans on the runner's own steadiness on this run's downhill running with the weight of 50 s of running (empirical-Bayes shrinkage); two smart recordings of the same real run disagreed by p90 5.9 / max 11.9 points, mostly in this part, from a short stretch's few samples", 0, 3600)
    steadiness_reference_max_grade: float = _f(-0.05, "issue 14 [H]: the runner's steadiness reference is their running on grades <= -5 %", -1, 0)

    # --- line practice and repeats (science.md 3E and topic 6) ---
    practice_min_length_m: float = _f(60.0, "science.md 3E [H]: the length membership of the practice priority is 1/2 here (issue 14 item 7)", 10, 2000)
    practice_max_length_m: float = _f(400.0, "science.md 3E [H]", 10, 5000)
    practice_max_grade: float = _f(-0.10, "science.md 3E [H]: the steep membership of the practice priority is 1/2 here (issue 14 item 7)", -1, 0)
    practice_max_score: float = _f(60.0, "science.md 3E [H]: the need membership of the practice priority is 1/2 here (issue 14 item 7)", 0, 100)
    practice_score_band: float = _f(20.0, "issue 14 item 7 [H]: need falls from 1 to 0 over +-20 points around practice_max_score (a continuous priority, not a cut-off)", 1, 100)
    practice_grade_band: float = _f(0.04, "issue 14 item 7 [H]: steep rises from 0 to 1 over +-4 % of grade around practice_max_grade", 0.005, 1)
    practice_length_band_m: float = _f(20.0, "issue 14 item 7 [H]: the length membership rises over +-20 m around practice_min_length_m", 1, 1000)
    practice_technicality_min: float = _f(0.25, "issue 14 item 7 [H]: the technical membership is 0 at T = 0.25 (replaces the top-quartile rule: T on its absolute scale, item 4)", 0, 1)
    practice_technicality_max: float = _f(0.55, "issue 14 item 7 [H]: the technical membership is 1 at T = 0.55 (1/2 at 0.4, between the old 0.3 floor and 0.5 threshold)", 0, 1)
    practice_top_n: int = _f(5, "issue 14 item 7 [H]: show the five stretches of highest practice priority", 1, 100)
    practice_min_priority: float = _f(0.1, "issue 14 item 7 [H]: a stretch of priority under 0.1 is not shown", 0, 1)
    gate_radius_m: float = _f(25.0, "science.md 6: 20-30 m gates [H]; geopard 15 m, GAP 20 m", 5, 200)
    corridor_m: float = _f(100.0, "geo-activity-playground 100 m corridor [OSS]", 10, 1000)
    hausdorff_max_m: float = _f(25.0, "geo-activity-playground 20 m [OSS]; science.md 6 [H]", 1, 500)
    frechet_max_m: float = _f(40.0, "science.md 6 step 3 [H]", 1, 500)
    hausdorff_p95_max_m: float = _f(15.0, "science.md 6 step 3: Hausdorff 95th percentile <= 15 m [H]", 1, 500)
    repeat_length_ratio_min: float = _f(0.8, "science.md 6 step 3: length ratio 0.8-1.25 [H]", 0.1, 1)
    repeat_length_ratio_max: float = _f(1.25, "science.md 6 step 3: length ratio 0.8-1.25 [H]", 1, 10)
    repeat_min_length_m: float = _f(100.0, "science.md 6: revisited stretches >= ~100 m [H]", 10, 5000)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            lo, hi = f.metadata.get("min"), f.metadata.get("max")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if value != value:  # NaN
                    raise ConfigError(f"AnalysisConfig.{f.name} is NaN; give a number")
                if lo is not None and value < lo:
                    raise ConfigError(f"AnalysisConfig.{f.name}={value} is below its minimum {lo}")
                if hi is not None and value > hi:
                    raise ConfigError(f"AnalysisConfig.{f.name}={value} is above its maximum {hi}")
        if self.elevation_source not in ("auto", "barometric", "gps", "dem"):
            raise ConfigError(
                f"AnalysisConfig.elevation_source={self.elevation_source!r}; use 'auto', 'barometric', 'gps' or 'dem'"
            )
        if self.gap_model not in ("strava2017", "minetti2002"):
            raise ConfigError(
                f"AnalysisConfig.gap_model={self.gap_model!r}; use 'strava2017' or 'minetti2002'"
            )

    def to_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (JSON-serialisable)."""
        return dataclasses.asdict(self)

    def describe(self) -> "pd.DataFrame":
        """Every setting as a table: one row per field, indexed by name.

        Returns
        -------
        pandas.DataFrame
            Columns ``value`` (this config's), ``default``, ``changed`` (bool), ``min``,
            ``max`` (the accepted range, ``None`` when open) and ``source`` (where the default
            comes from).
        """
        import pandas as pd

        rows = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            rows.append({"name": f.name, "value": value, "default": f.default,
                         "changed": value != f.default, "min": f.metadata.get("min"),
                         "max": f.metadata.get("max"), "source": f.metadata.get("source", "")})
        return pd.DataFrame(rows).set_index("name")


def describe() -> list[tuple[str, Any, str]]:
    """Every setting as ``(name, default, source)``, for documentation and reports."""
    out = []
    for f in dataclasses.fields(AnalysisConfig):
        out.append((f.name, f.default, f.metadata.get("source", "")))
    return out
