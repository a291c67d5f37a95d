"""A commuter morning, simulated: the matching rule in place (greedy: at each trigger, the
oldest eligible riders first), seat-holding look-ahead, and en-route matching at 1 and 2 km,
against the optimum with the same eligibility (a maximum flow), over seeded synthetic mornings
(sim/morning.py) at 200, 400 and 800 drivers. Prints a table; asserts nothing. Plain Python:
no service runs.

    python scripts/bench_morning.py [--seeds 5] [--riders 1500]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.enroute import EnRoute
from sim.greedy import Assignment, greedy
from sim.lookahead import lookahead
from sim.measures import Measures, measure
from sim.morning import Morning, generate
from sim.optimum import optimum
from sim.rules import EQUAL_DESTINATION, EqualDestination

Policy = Callable[[Morning], tuple[Assignment, EqualDestination]]


def _known_all_morning(morning: Morning) -> Morning:
    drivers = tuple(dataclasses.replace(d, start_s=0.0) for d in morning.drivers)
    return Morning(morning.riders, drivers, morning.places)


POLICIES: dict[str, Policy] = {
    "greedy (the rule)": lambda m: (greedy(m), EQUAL_DESTINATION),
    "look-ahead": lambda m: (lookahead(m), EQUAL_DESTINATION),
    "look-ahead, routes known all morning": lambda m: (
        lookahead(_known_all_morning(m)),
        EQUAL_DESTINATION,
    ),
    "optimum": lambda m: (optimum(m), EQUAL_DESTINATION),
    "en-route 1 km": lambda m: _with(EnRoute(m.places, 1000), m, greedy),
    "en-route 1 km, look-ahead": lambda m: _with(EnRoute(m.places, 1000), m, lookahead),
    "en-route 2 km": lambda m: _with(EnRoute(m.places, 2000), m, greedy),
    "en-route 1 km optimum": lambda m: _with(EnRoute(m.places, 1000), m, optimum),
    "en-route 2 km optimum": lambda m: _with(EnRoute(m.places, 2000), m, optimum),
}


def _with(rule: EqualDestination, morning: Morning, policy: Callable) -> tuple:
    return policy(morning, rule), rule


def mean(values: list[float]) -> float:
    return statistics.fmean(values)


def share(runs: list[Measures], best: list[Measures]) -> float:
    return mean([m.served / o.served for m, o in zip(runs, best, strict=True)])


def row(name: str, runs: list[Measures], best: list[Measures]) -> str:
    unmatched = {k: mean([m.unmatched[k] for m in runs]) for k in runs[0].unmatched}
    return (
        f"  {name:37} {mean([m.served for m in runs]):7.1f} {share(runs, best):8.2%} "
        f"{mean([m.mean_wait_s for m in runs]) / 60:6.1f} "
        f"{mean([m.p95_wait_s for m in runs]) / 60:6.1f}"
        f" {mean([m.seats_per_trip for m in runs]):6.2f}"
        f" {mean([m.mean_detour_m for m in runs]) / 1000:6.2f}   "
        + "  ".join(f"{k} {v:.0f}" for k, v in unmatched.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--riders", type=int, default=1500)
    args = parser.parse_args()
    started = time.perf_counter()
    for drivers in (200, 400, 800):
        results: dict[str, list[Measures]] = {name: [] for name in POLICIES}
        riders = []
        for seed in range(1, args.seeds + 1):
            morning = generate(seed, riders=args.riders, drivers=drivers)
            riders.append(len(morning.riders))
            for name, policy in POLICIES.items():
                done, rule = policy(morning)
                results[name].append(measure(morning, done, rule))
        print(
            f"{drivers} drivers, {mean(riders):.0f} riders (mean of {args.seeds} seeds): served,"
            " share of the equal-destination optimum, mean and p95 wait (min), riders per trip,"
            " mean detour (km), unmatched by reason"
        )
        best = results["optimum"]
        for name, runs in results.items():
            print(row(name, runs, best))
        print(f"  simulated greedy: {share(results['greedy (the rule)'], best):.2%} of optimum")
        print(f"  look-ahead: {share(results['look-ahead'], best):.2%} of optimum")
        for name in ("en-route 1 km", "en-route 1 km, look-ahead", "en-route 2 km"):
            runs = results[name]
            print(
                f"  {name}: {share(runs, best) - 1:+.1%} over the equal-destination"
                f" optimum, mean detour {mean([m.mean_detour_m for m in runs]) / 1000:.2f} km"
            )
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
