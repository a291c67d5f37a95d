"""A commuter morning, simulated: the matching rule in place (greedy: at each trigger, the
oldest eligible riders first) against the optimum with the same eligibility (a maximum flow),
over seeded synthetic mornings (sim/morning.py) at 200, 400 and 800 drivers. Prints a table;
asserts nothing. Plain Python: no service runs.

    python scripts/bench_morning.py [--seeds 5] [--riders 1500]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.greedy import greedy
from sim.measures import Measures, measure
from sim.morning import generate
from sim.optimum import optimum

POLICIES = {"greedy (the rule)": greedy, "optimum": optimum}


def row(name: str, runs: list[Measures], best: list[Measures]) -> str:
    def mean(values: list[float]) -> float:
        return statistics.fmean(values)

    share = mean([m.served / o.served for m, o in zip(runs, best, strict=True)])
    unmatched = {k: mean([m.unmatched[k] for m in runs]) for k in runs[0].unmatched}
    return (
        f"  {name:18} {mean([m.served for m in runs]):7.1f} {share:8.2%} "
        f"{mean([m.mean_wait_s for m in runs]) / 60:6.1f} "
        f"{mean([m.p95_wait_s for m in runs]) / 60:6.1f}"
        f" {mean([m.seats_per_trip for m in runs]):6.2f}   "
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
                results[name].append(measure(morning, policy(morning)))
        print(
            f"{drivers} drivers, {statistics.fmean(riders):.0f} riders (mean of {args.seeds} "
            "seeds): served, share of the optimum, mean and p95 wait (min), riders per trip, "
            "unmatched by reason"
        )
        for name, runs in results.items():
            print(row(name, runs, results["optimum"]))
        greedy_share = statistics.fmean(
            g.served / o.served
            for g, o in zip(results["greedy (the rule)"], results["optimum"], strict=True)
        )
        print(f"  simulated greedy: {greedy_share:.2%} of optimum")
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
