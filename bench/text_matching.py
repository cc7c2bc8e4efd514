"""Reading the invoice numbers a payer's text names, against the pattern it replaced (issue 20, seen 1).

    python -m bench.text_matching [--lengths 1000,5000,20000,60000] [--old-up-to 20000] [--repeat 3]

For each length, a run of that many capitals and no number (the remittance text that froze the server): the time
`provider.numbering.named_numbers` takes (bounded repetition, linear) and the time the old unbounded
`([A-Z]*)(\\d{10})` took on the same text (quadratic; run only up to --old-up-to capitals, 60,000 take minutes), each
as a ratio to the shortest length's time, so that the growth shows whatever the machine. Nothing is written.
"""
from __future__ import annotations

import argparse
import re
import time

from provider.numbering import named_numbers, run_together

OLD = re.compile(r"([A-Z]*)(\d{10})")


def best(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="1000,5000,20000,60000")
    parser.add_argument("--old-up-to", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    lengths = [int(n) for n in args.lengths.split(",")]
    first_new = first_old = None
    print(f"{'capitals':>10} {'named_numbers s':>16} {'ratio':>8} {'old pattern s':>14} {'ratio':>8}")
    for length in lengths:
        text = "A" * length
        assert named_numbers(text) == ""
        new = best(lambda: named_numbers(text), args.repeat)
        first_new = first_new or new
        if length > args.old_up_to:
            print(f"{length:>10} {new:>16.6f} {new / first_new:>8.1f} {'not run':>14}")
            continue
        old = best(lambda: OLD.findall(run_together(text)), args.repeat)
        first_old = first_old or old
        print(f"{length:>10} {new:>16.6f} {new / first_new:>8.1f} {old:>14.6f} {old / first_old:>8.1f}")


if __name__ == "__main__":
    main()
