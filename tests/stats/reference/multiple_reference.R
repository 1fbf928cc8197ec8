# Reference values for tests/stats/test_multiple.py and tests/analysis/test_turing_test.py (Holm over
# the per-participant binomial tests), computed in base R.
#
# Run from the repository root (R with jsonlite; Debian: r-base-core r-cran-jsonlite):
#     Rscript tests/stats/reference/multiple_reference.R
# Writes tests/stats/reference/multiple_reference.json (NA written as null). The tests read only the JSON.
suppressPackageStartupMessages(library(jsonlite))
here <- "tests/stats/reference"

case <- function(p) list(p = p, holm = p.adjust(p, method = "holm"))
out <- list(
  r_version = unbox(R.version.string),
  # unsorted, with NA: R drops NA from the count m (p.adjust's n defaults to the non-NA p values)
  with_na = case(c(0.01, 0.04, 0.03, 0.2, NA, 0.001)),
  # tied p values, and the running maximum carrying forward (4 * 0.012 < 6 * 0.011)
  ties = case(c(0.011, 0.012, 0.011, 0.4, 0.45, 0.02)),
  # (m - k + 1) * p above 1 is capped at 1
  cap = case(c(0.4, 0.5, 0.7, 0.01)),
  # by hand: 4 * .010, 3 * .015, max(.045, 2 * .030), max(.06, 1 * .040)
  textbook = case(c(0.010, 0.015, 0.030, 0.040)),
  one = case(0.03),
  all_na = case(c(NA_real_, NA_real_))
)
# per-participant exact binomial tests of accuracy against .5 on the Turing-test reference cohort
# (turing_trials.csv, as turing_reference.R reads it), Holm-adjusted over the participants:
# analysis/turing_test.participant_accuracy's p_val and p_holm
d <- read.csv(file.path(here, "turing_trials.csv"), stringsAsFactors = FALSE)
d$correct <- d$response == d$source
participants <- sort(unique(d$participant))
p_part <- sapply(participants, function(p) binom.test(sum(d$correct[d$participant == p]),
                                                      sum(d$participant == p), p = 0.5)$p.value)
out$turing_participants <- list(participant = participants, p = unname(p_part),
                                holm = unname(p.adjust(p_part, method = "holm")))
writeLines(toJSON(out, auto_unbox = FALSE, digits = NA, pretty = TRUE, na = "null"),
           file.path(here, "multiple_reference.json"))
