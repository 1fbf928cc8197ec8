"""Write turing_trials.csv: a fixed simulated Turing-test cohort for the R parity tests.

The rows come from psyai.participants.synthetic.simulate_trials (the experiment's own SDT
observers): 30 participants each judge 40 texts (20 human, 20 model), with item
offsets (item_sd 0.5) and spread in response bias (criterion_sd 0.4) so that both
random intercepts of the GLMM are non-zero. Only the columns R needs are kept.

Run from the repository root:
    python tests/stats/reference/turing_make_data.py
    Rscript tests/stats/reference/turing_reference.R      # → turing_reference.json
"""

from pathlib import Path

from psyai.participants.observers import CohortSpec
from psyai.participants.synthetic import simulate_trials

SPEC = CohortSpec(dprime=1.0, criterion=0.2, dprime_sd=0.3, criterion_sd=0.4, item_sd=0.5, seed=20240611)
N_PARTICIPANTS, N_ITEMS = 30, 40
COLUMNS = ["participant", "item_id", "source", "response", "confidence", "rt"]


def main() -> None:
    trials = simulate_trials(SPEC, N_PARTICIPANTS, N_ITEMS)
    trials["rt"] = trials["rt"].round(4)  # the CSV holds exactly what R reads
    out = Path(__file__).with_name("turing_trials.csv")
    trials[COLUMNS].to_csv(out, index=False)


if __name__ == "__main__":
    main()
