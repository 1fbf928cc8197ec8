# Reference values for tests/stats/test_proportions.py (Wilson interval), computed in base R.
#
# Run from the repository root (R with jsonlite; Debian: r-base-core r-cran-jsonlite):
#     Rscript tests/stats/reference/proportions_reference.R
# Writes tests/stats/reference/proportions_reference.json. The tests read only the JSON.
# prop.test(x, n, correct = FALSE) gives the Wilson (1927) score interval of one proportion.
suppressPackageStartupMessages(library(jsonlite))
here <- "tests/stats/reference"

wilson_case <- function(x, n, level) {
  list(x = x, n = n, level = level,
       ci = as.numeric(prop.test(x, n, correct = FALSE, conf.level = level)$conf.int))
}
out <- list(
  r_version = R.version.string,
  wilson = list(
    wilson_case(37, 60, 0.95),
    wilson_case(7, 20, 0.90),
    wilson_case(20, 20, 0.95),  # p = 1: upper end 1, lower end 1 / (1 + z^2 / n)
    wilson_case(0, 12, 0.95),   # p = 0: lower end 0
    wilson_case(1, 3, 0.99)
  )
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(here, "proportions_reference.json"))
